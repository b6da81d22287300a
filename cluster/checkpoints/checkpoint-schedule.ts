// Checkpoints on a schedule: one every `everyMs` (hourly by default) on the node's clock, never two at
// once, a failure logged and tried again at the next tick (the `since` sequence did not move).
import { systemClock, type Clock, type Logger, type TimerHandle } from '../../runtime/index.js';
import type { CheckpointManifest } from './checkpoint-format.js';

export const DEFAULT_CHECKPOINT_EVERY_MS = 3_600_000;

export interface CheckpointScheduleOptions {
  take: () => Promise<CheckpointManifest | null>;
  everyMs?: number;
  clock?: Clock;
  log: Logger;
  /** Called after each tick (tests wait on it instead of on time). */
  onTick?: (result: CheckpointManifest | null | Error) => void;
}

export class CheckpointSchedule {
  readonly everyMs: number;
  readonly #o: CheckpointScheduleOptions;
  readonly #clock: Clock;
  #timer: TimerHandle | null = null;
  #stopped = false;
  #tick: Promise<void> | null = null;

  constructor(options: CheckpointScheduleOptions) {
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

  async #run(): Promise<CheckpointManifest | null | Error> {
    let result: CheckpointManifest | null | Error;
    try {
      result = await this.#o.take();
      if (result !== null) this.#o.log.info({ checkpoint: result.n, docs: result.docs, chunks: result.chunks.length }, 'state checkpoint written');
    } catch (err) {
      result = err instanceof Error ? err : new Error(String(err));
      this.#o.log.error({ err: result.message, code: (err as { code?: unknown }).code }, 'state checkpoint failed: tried again at the next tick');
    }
    return result;
  }
}
