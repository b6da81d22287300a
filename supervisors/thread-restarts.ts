import type { ThreadExit } from '../runtime/index.js';
import { Backoff, type BackoffPolicy } from './backoff.js';

/**
 * Worker-thread restarts: 100 ms, doubling to 5 s, back to 100 ms once a worker stayed up 30 s.
 * No jitter: threads of one node die for their own reasons, not in a herd against a shared
 * service, and an exact delay keeps crash tests and the ops page predictable.
 */
export const DEFAULT_THREAD_RESTART: BackoffPolicy = Object.freeze({ minMs: 100, maxMs: 5_000, randomFactor: 0, resetAfterMs: 30_000 });

/**
 * The decision when a worker thread dies (the node supervisor, root of the supervision tree,
 * carries it out): restart it after a backoff of its own, which starts again from minMs when the
 * thread had run resetAfterMs — a worker that crashes once a day should not wait as long as one
 * that crashes on start.
 */
export class ThreadRestarts {
  readonly #policy: BackoffPolicy;
  readonly #random: () => number;
  /** By thread number; threads are few and numbered from 1. */
  readonly #backoffs: Backoff[] = [];

  constructor(policy: BackoffPolicy = DEFAULT_THREAD_RESTART, random: () => number = Math.random) {
    this.#policy = policy;
    this.#random = random;
  }

  delayMs(exit: ThreadExit): number {
    const backoff = (this.#backoffs[exit.thread] ??= new Backoff(this.#policy, this.#random));
    return backoff.next(exit.upForMs);
  }
}
