import {
  DEFAULT_SUPERVISION,
  Directive,
  resolveSupervision,
  type Escalation,
  type FailureReport,
  type ModuleRef,
  type RestartRecord,
  type RestartStrategy,
  type SupervisionDecision,
  type SupervisionSpec,
  type Supervisor,
  type ThreadExit,
} from '../runtime/index.js';
import { attemptAfterQuiet, backoffDelayMs, type BackoffPolicy } from './backoff.js';
import { escalate } from './escalation.js';
import { isPoison } from './quarantine-policy.js';
import { admitRestart } from './restart-intensity.js';
import { strategyFor } from './strategies.js';
import { DEFAULT_THREAD_RESTART, ThreadRestarts } from './thread-restarts.js';

/** A failed state save is retried from 100 ms, doubling to 5 s, for ever; no jitter. */
export const DEFAULT_SAVE_RETRY: BackoffPolicy = Object.freeze({ minMs: 100, maxMs: 5_000, randomFactor: 0 });

export interface WorkerSupervisorOptions {
  /** Node-wide overrides per kind (from the node's options), applied over each kind's own spec. */
  overrides?: Record<string, Partial<SupervisionSpec>>;
  /** Random source in [0, 1) for backoff jitter; injectable so tests can fix it. */
  random?: () => number;
  /** Backoff of worker-thread restarts (default DEFAULT_THREAD_RESTART). */
  threadRestart?: BackoffPolicy;
  /** Backoff of state-save retries (default DEFAULT_SAVE_RETRY). */
  saveRetry?: BackoffPolicy;
}

/**
 * The policy of a node's supervisors, composed from the modules beside it: Erlang's restart
 * intensity (at most maxRestarts within withinMs, else escalate) combined with Akka's exponential
 * backoff with jitter and a reset window, the strategies, escalation, and poison detection (the
 * same message failing poisonAfter times is quarantined). Each worker builds one for its actors;
 * the main thread builds one for the worker threads.
 */
export class WorkerSupervisor implements Supervisor {
  readonly #overrides: Record<string, Partial<SupervisionSpec>>;
  readonly #random: () => number;
  readonly #specs = new Map<string, SupervisionSpec>();
  readonly #threads: ThreadRestarts;
  readonly #saveRetry: BackoffPolicy;

  constructor(options: WorkerSupervisorOptions = {}) {
    this.#overrides = options.overrides ?? {};
    this.#random = options.random ?? Math.random;
    this.#threads = new ThreadRestarts(options.threadRestart ?? DEFAULT_THREAD_RESTART, this.#random);
    this.#saveRetry = options.saveRetry ?? DEFAULT_SAVE_RETRY;
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
    const quarantine = isPoison(spec, failure);
    if (spec.directive !== Directive.RESTART) {
      record.lastFailureAt = failure.at;
      return { directive: spec.directive, delayMs: 0, quarantine };
    }
    record.backoffAttempts = attemptAfterQuiet(spec.backoff, record.backoffAttempts, failure.at - record.lastFailureAt);
    record.lastFailureAt = failure.at;
    if (!admitRestart(record, spec, failure.at)) return { directive: Directive.ESCALATE, delayMs: 0, quarantine };
    return { directive: Directive.RESTART, delayMs: backoffDelayMs(spec.backoff, record.backoffAttempts++, this.#random), quarantine };
  }

  strategy(spec: SupervisionSpec): RestartStrategy {
    return strategyFor(spec.strategy);
  }

  escalate(spec: SupervisionSpec, failure: FailureReport, parent: { readonly key: string; readonly kind: string } | null): Escalation {
    return escalate(spec, failure, parent);
  }

  saveRetryDelayMs(attempt: number): number {
    return backoffDelayMs(this.#saveRetry, attempt, this.#random);
  }

  threadRestartDelayMs(exit: ThreadExit): number {
    return this.#threads.delayMs(exit);
  }
}

/** Factory for worker threads and the main thread (loaded by module reference). */
export function createWorkerSupervisor(options: { overrides?: Record<string, Partial<SupervisionSpec>> } = {}): Supervisor {
  return new WorkerSupervisor({ overrides: options.overrides });
}

/** What a worker loads to build its supervisor (workers receive data, not functions). */
export const WORKER_SUPERVISOR: ModuleRef = { module: import.meta.url, export: 'createWorkerSupervisor' };
