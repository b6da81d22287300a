import {
  DEFAULT_SUPERVISION,
  Directive,
  resolveSupervision,
  type FailureReport,
  type RestartRecord,
  type SupervisionDecision,
  type SupervisionSpec,
  type Supervisor,
  type ModuleRef,
} from '../runtime/index.js';

export interface WorkerSupervisorOptions {
  /** Node-wide overrides per kind (from the node's options), applied over each kind's own spec. */
  overrides?: Record<string, Partial<SupervisionSpec>>;
  /** Random source in [0, 1) for backoff jitter; injectable so tests can fix it. */
  random?: () => number;
}

/**
 * The policy of a worker's supervisor: Erlang's restart intensity (at most maxRestarts within
 * withinMs, else escalate) combined with Akka's exponential backoff with jitter and a reset
 * window, and poison detection (the same message failing poisonAfter times is quarantined).
 */
export class WorkerSupervisor implements Supervisor {
  readonly #overrides: Record<string, Partial<SupervisionSpec>>;
  readonly #random: () => number;
  readonly #specs = new Map<string, SupervisionSpec>();

  constructor(options: WorkerSupervisorOptions = {}) {
    this.#overrides = options.overrides ?? {};
    this.#random = options.random ?? Math.random;
  }

  specFor(kind: string, own: Partial<SupervisionSpec> | undefined): SupervisionSpec {
    let spec = this.#specs.get(kind);
    if (spec === undefined) {
      const base = resolveSupervision(own, DEFAULT_SUPERVISION, `${kind}.supervision`);
      spec = resolveSupervision(this.#overrides[kind], base, `supervision.${kind}`);
      this.#specs.set(kind, spec);
    }
    return spec;
  }

  decide(spec: SupervisionSpec, record: RestartRecord, failure: FailureReport): SupervisionDecision {
    const quarantine = failure.attempt >= spec.poisonAfter;
    if (spec.directive !== Directive.RESTART) {
      record.lastFailureAt = failure.at;
      return { directive: spec.directive, delayMs: 0, quarantine };
    }
    // A quiet spell resets the backoff (Akka's reset window).
    if (failure.at - record.lastFailureAt >= spec.backoff.resetAfterMs) record.nextDelayMs = spec.backoff.minMs;
    record.lastFailureAt = failure.at;
    // Restart intensity: restarts inside the sliding window, this one included.
    const windowStart = failure.at - spec.withinMs;
    while (record.restarts.length > 0 && record.restarts[0] <= windowStart) record.restarts.shift();
    if (record.restarts.length >= spec.maxRestarts) return { directive: Directive.ESCALATE, delayMs: 0, quarantine };
    record.restarts.push(failure.at);
    record.total++;
    const delay = Math.min(spec.backoff.maxMs, Math.max(spec.backoff.minMs, record.nextDelayMs));
    record.nextDelayMs = Math.min(spec.backoff.maxMs, Math.max(1, delay) * 2);
    const jittered = Math.round(delay * (1 + spec.backoff.randomFactor * this.#random()));
    return { directive: Directive.RESTART, delayMs: Math.min(jittered, spec.backoff.maxMs), quarantine };
  }
}

/** Factory for worker threads (loaded by module reference). */
export function createWorkerSupervisor(options: { overrides?: Record<string, Partial<SupervisionSpec>> } = {}): Supervisor {
  return new WorkerSupervisor({ overrides: options.overrides });
}

/** What a worker loads to build its supervisor (workers receive data, not functions). */
export const WORKER_SUPERVISOR: ModuleRef = { module: import.meta.url, export: 'createWorkerSupervisor' };
