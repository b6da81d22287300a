import { readBeat, readPulse, type PulseReading } from '../host/worker-pulse.js';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';

/** How often a worker beats and the watchdog looks, for a limit: a quarter of it, within 10 ms – 1 s. */
export function beatEveryMs(blockedAfterMs: number): number {
  return Math.max(10, Math.min(1_000, Math.floor(blockedAfterMs / 4)));
}

/** A worker whose loop stopped, and what it was doing. */
export interface BlockedWorker extends PulseReading {
  readonly thread: number;
  /** When its beat last moved (≈ when the blocking work started, within one beat). */
  readonly since: number;
  /** How long it had not moved when it was seen. */
  readonly forMs: number;
}

interface Watched {
  readonly buffer: SharedArrayBuffer;
  readonly types: readonly string[];
  beat: number;
  changedAt: number;
}

export interface WorkerWatchdogOptions {
  /** A worker whose beat has not moved for longer than this is blocked. */
  blockedAfterMs: number;
  onBlocked: (blocked: BlockedWorker) => void;
  /** Real time by default: a blocked loop is a matter of the wall clock, whatever the node's clock. */
  clock?: Clock;
}

/**
 * The main thread's look at its workers' beats (worker-pulse.ts), on its own timer: the worker's
 * event loop need not answer. A worker that is watched and whose beat stayed the same for longer
 * than the limit is reported once, with what its pulse says it was handling, and is no longer
 * watched (the supervisor ends it; its replacement is watched anew when it is running).
 */
export class WorkerWatchdog {
  readonly #o: WorkerWatchdogOptions;
  readonly #clock: Clock;
  readonly #watched = new Map<number, Watched>();
  readonly #everyMs: number;
  #timer: TimerHandle | null = null;
  /** When the last look was (or the timer armed): a look much later than due means this thread stood still too. */
  #lookedAt = 0;

  constructor(options: WorkerWatchdogOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#everyMs = beatEveryMs(options.blockedAfterMs);
  }

  /** Watches a running worker: its beat must move from now on. */
  watch(thread: number, buffer: SharedArrayBuffer, types: readonly string[]): void {
    this.#watched.set(thread, { buffer, types, beat: readBeat(buffer), changedAt: this.#clock.now() });
    if (this.#timer === null) {
      this.#lookedAt = this.#clock.now();
      this.#timer = this.#clock.setTimeout(this.#check, this.#everyMs);
    }
  }

  unwatch(thread: number): void {
    this.#watched.delete(thread);
  }

  stop(): void {
    this.#watched.clear();
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  readonly #check = (): void => {
    this.#timer = null;
    const now = this.#clock.now();
    // This thread itself did not run for longer than the limit (the whole process was frozen — SIGSTOP,
    // a stalled VM — or its own loop stalled): the workers stood still with it, and a beat that
    // did not move says nothing about them. Ending them would throw away their actors' work for a
    // stall that was not theirs: each is watched afresh from now.
    const stalled = now - this.#lookedAt > this.#o.blockedAfterMs;
    this.#lookedAt = now;
    for (const [thread, w] of this.#watched) {
      const beat = readBeat(w.buffer);
      if (beat !== w.beat || stalled) {
        w.beat = beat;
        w.changedAt = now;
        continue;
      }
      const forMs = now - w.changedAt;
      if (forMs <= this.#o.blockedAfterMs) continue;
      this.#watched.delete(thread);
      this.#o.onBlocked({ ...readPulse(w.buffer, w.types), thread, since: w.changedAt, forMs });
    }
    if (this.#watched.size > 0) this.#timer = this.#clock.setTimeout(this.#check, this.#everyMs);
  };
}
