import type { ThreadExit } from '../runtime/index.js';
import { Backoff, attemptAfterQuiet, type BackoffPolicy } from './backoff.js';

/**
 * Worker-thread restarts after the first: 100 ms, doubling to 5 s, back to an immediate restart
 * once a worker stayed up 30 s. No jitter: threads of one node die for their own reasons, not in
 * a herd against a shared service, and an exact delay keeps crash tests and the ops page predictable.
 */
export const DEFAULT_THREAD_RESTART: BackoffPolicy = Object.freeze({ minMs: 100, maxMs: 5_000, randomFactor: 0, resetAfterMs: 30_000 });

interface ThreadBackoff {
  backoff: Backoff;
  /** Deaths since the last reset: the first restarts at once. */
  deaths: number;
}

/**
 * The decision when a worker thread dies (the node supervisor, root of the supervision tree,
 * carries it out). The first death (since the thread had run resetAfterMs) restarts at once, as
 * Erlang's supervisors do: the held messages and the actors' clients are waiting, and one crash
 * says nothing of the next start. From the second on the thread waits a backoff of its own, so a
 * worker that crashes on start does not spin; a worker that crashes once a day never waits.
 */
export class ThreadRestarts {
  readonly #policy: BackoffPolicy;
  readonly #random: () => number;
  /** By thread number; threads are few and numbered from 1. */
  readonly #threads: ThreadBackoff[] = [];

  constructor(policy: BackoffPolicy = DEFAULT_THREAD_RESTART, random: () => number = Math.random) {
    this.#policy = policy;
    this.#random = random;
  }

  delayMs(exit: ThreadExit): number {
    const t = (this.#threads[exit.thread] ??= { backoff: new Backoff(this.#policy, this.#random), deaths: 0 });
    if (attemptAfterQuiet(this.#policy, t.deaths, exit.upForMs) === 0) {
      t.deaths = 0;
      t.backoff.reset();
    }
    if (t.deaths++ === 0) return 0;
    return t.backoff.next();
  }
}
