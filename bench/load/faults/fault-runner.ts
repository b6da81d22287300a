// Carries out a scenario's faults at their times during a run, one after the other (two faults due
// together run in the file's order), and records when each really happened and how it went.
import type { FaultSpec } from './fault-plan.js';

/** What a target does for each fault; each resolves once the fault is done (a detail for the report). */
export interface FaultActions {
  killWorker(node: number, worker: number): Promise<string>;
  killNode(node: number): Promise<string>;
  restartRedis(downMs: number): Promise<string>;
}

export interface FiredFault {
  spec: FaultSpec;
  /** When the action began, ms from the run's start; null when it never ran (the run ended first). */
  firedAtMs: number | null;
  /** When it was done (the node gone, Redis answering again), ms from the start. */
  doneAtMs: number | null;
  ok: boolean;
  detail: string;
  error?: string;
}

export class FaultRunner {
  readonly #faults: readonly FaultSpec[];
  readonly #actions: FaultActions;
  readonly #fired: FiredFault[];
  readonly #timers: NodeJS.Timeout[] = [];
  #chain: Promise<void> = Promise.resolve();
  #startAt = 0;
  #done = 0;
  #stopped = false;

  constructor(faults: readonly FaultSpec[], actions: FaultActions) {
    this.#faults = faults;
    this.#actions = actions;
    this.#fired = faults.map((spec) => ({ spec, firedAtMs: null, doneAtMs: null, ok: false, detail: '', error: 'not carried out: the run ended first' }));
  }

  /** Faults carried out so far (for the progress line). */
  get done(): number {
    return this.#done;
  }

  /** Schedules every fault from `startAt` (epoch ms, the run's start). */
  start(startAt: number): void {
    this.#startAt = startAt;
    this.#faults.forEach((_, i) => {
      this.#timers.push(setTimeout(() => (this.#chain = this.#chain.then(() => this.#fire(i))), Math.max(0, startAt + this.#faults[i].atMs - Date.now())));
    });
  }

  /** Cancels what has not fired yet, waits for a fault in progress, and gives every fault's record. */
  async finish(): Promise<FiredFault[]> {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    await this.#chain;
    return this.#fired;
  }

  async #fire(i: number): Promise<void> {
    if (this.#stopped) return;
    const record = this.#fired[i];
    const spec = record.spec;
    record.firedAtMs = Date.now() - this.#startAt;
    try {
      record.detail =
        spec.action === 'kill-worker'
          ? await this.#actions.killWorker(spec.node, spec.worker)
          : spec.action === 'kill-node'
            ? await this.#actions.killNode(spec.node)
            : await this.#actions.restartRedis(spec.downMs);
      record.ok = true;
      delete record.error;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      record.error = `${typeof code === 'string' ? code + ': ' : ''}${err instanceof Error ? err.message : String(err)}`;
    }
    record.doneAtMs = Date.now() - this.#startAt;
    this.#done++;
  }
}
