// Checkpoints on a schedule: one every `everyMs` (hourly by default) on the node's clock, never two at
// once, a failure logged and tried again at the next tick (the `since` sequence did not move).
import { systemClock, type Clock, type Logger, type TimerHandle } from '../../runtime/index.js';
import type { CheckpointManifest } from './checkpoint-format.js';

export const DEFAULT_CHECKPOINT_EVERY_MS = 3_600_000;

export interface CheckpointScheduleOptions<T extends object = CheckpointManifest> {
  /** One run; null when there was nothing to do. */
  take: () => Promise<T | null>;
  /** What the log says a run wrote (default: a state checkpoint's number, documents and chunks). */
  summary?: (result: T) => Record<string, unknown>;
  /** Default 'state checkpoint'. */
  label?: string;
  everyMs?: number;
  clock?: Clock;
  log: Logger;
  /** Called after each tick (tests wait on it instead of on time). */
  onTick?: (result: T | null | Error) => void;
}

/** Runs `take` every `everyMs`: state checkpoints here, the audit export in clients/serve-node.ts. */
export class CheckpointSchedule<T extends object = CheckpointManifest> {
  readonly everyMs: number;
  readonly #o: CheckpointScheduleOptions<T>;
  readonly #clock: Clock;
  #timer: TimerHandle | null = null;
  #stopped = false;
  #tick: Promise<void> | null = null;

  constructor(options: CheckpointScheduleOptions<T>) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.everyMs = options.everyMs ?? DEFAULT_CHECKPOINT_EVERY_MS;
  }

  start(): void {
    if (this.#timer !== null || this.#stopped) return;
    this.#arm();
  }

  /** Stops the timer and waits for a checkpoint under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    await this.#tick;
  }

  #arm(): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#tick = this.#run().then((result) => {
        this.#tick = null;
        if (!this.#stopped) this.#arm();
        // After re-arming: whoever waits on a tick may move the clock at once.
        this.#o.onTick?.(result);
      });
    }, this.everyMs);
  }

  async #run(): Promise<T | null | Error> {
    let result: T | null | Error;
    const label = this.#o.label ?? 'state checkpoint';
    try {
      result = await this.#o.take();
      if (result !== null) this.#o.log.info(this.#o.summary?.(result) ?? summarize(result as unknown as CheckpointManifest), `${label} written`);
    } catch (err) {
      result = err instanceof Error ? err : new Error(String(err));
      this.#o.log.error({ err: result.message, code: (err as { code?: unknown }).code }, `${label} failed: tried again at the next tick`);
    }
    return result;
  }
}

function summarize(m: CheckpointManifest): Record<string, unknown> {
  return { checkpoint: m.n, docs: m.docs, chunks: m.chunks?.length };
}
