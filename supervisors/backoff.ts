// The one retry delay of the server: every loop that waits before trying again (actor restarts,
// worker-thread restarts, store and Redis retries, reconnections) takes its delay from here.

/** Exponential backoff with jitter, as Akka's `restartWithBackoff(minBackoff, maxBackoff, randomFactor)`. */
export interface BackoffPolicy {
  /** Delay before the first retry (before jitter). */
  readonly minMs: number;
  /** Ceiling of every delay, jitter included. */
  readonly maxMs: number;
  /** Jitter: a delay lies in [base, base × (1 + randomFactor)], so that callers cut off together do not retry in lockstep. */
  readonly randomFactor: number;
}

/** The delay before retry number `attempt` (0 for the first): minMs × 2^attempt, capped, jittered. */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxMs, policy.minMs * 2 ** Math.min(attempt, 52));
  return Math.round(Math.min(policy.maxMs, base * (1 + policy.randomFactor * random())));
}

/** A retry loop's attempt counter: `next()` gives the delay to wait, `reset()` after a success. */
export class Backoff {
  readonly policy: BackoffPolicy;
  readonly #random: () => number;
  #attempt = 0;

  constructor(policy: BackoffPolicy, random: () => number = Math.random) {
    this.policy = policy;
    this.#random = random;
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  next(): number {
    return backoffDelayMs(this.policy, this.#attempt++, this.#random);
  }

  reset(): void {
    this.#attempt = 0;
  }
}
