// The one retry delay of the server: every loop that waits before trying again (actor restarts,
// worker-thread restarts, store and Redis retries, reconnections) takes its delay from here.

/** Which way jitter moves a delay from its base (randomFactor says how far). */
export const Jitter = {
  /** [base, base × (1 + randomFactor)]: Akka's restartWithBackoff; never earlier than the base. */
  UP: 'up',
  /** [base × (1 − randomFactor), base × (1 + randomFactor)]: ioredis-style ±, centred on the base. */
  AROUND: 'around',
  /** [base × (1 − randomFactor), base]: never later than the base. */
  DOWN: 'down',
} as const;
export type Jitter = (typeof Jitter)[keyof typeof Jitter];

/** Exponential backoff with jitter, as Akka's `restartWithBackoff(minBackoff, maxBackoff, randomFactor)`. */
export interface BackoffPolicy {
  /** Delay before the first retry (before jitter). */
  readonly minMs: number;
  /** Ceiling of every delay, jitter included. */
  readonly maxMs: number;
  /** How far jitter moves a delay (a fraction of it), so that callers cut off together do not retry in lockstep. */
  readonly randomFactor: number;
  /** Which way; default UP. */
  readonly jitter?: Jitter;
  /** A spell this long without failure starts the backoff again from minMs (Akka's reset); unset: never. */
  readonly resetAfterMs?: number;
}

/**
 * The delay before retry number `attempt` (0 for the first): minMs × 2^attempt, capped, jittered
 * (upward unless the policy says otherwise), rounded to a whole ms. A zero minMs retries at once the first time and then doubles from 1 ms: a loop that
 * never backed off would spin against whatever keeps failing.
 */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const first = attempt === 0 ? policy.minMs : Math.max(policy.minMs, 1) * 2 ** Math.min(attempt, 52);
  const base = Math.min(policy.maxMs, first);
  const f = policy.randomFactor;
  const r = random();
  const scale = policy.jitter === Jitter.AROUND ? 1 - f + 2 * f * r : policy.jitter === Jitter.DOWN ? 1 - f * r : 1 + f * r;
  return Math.round(Math.min(policy.maxMs, base * scale));
}

/** The attempt number to go on with after `quietMs` without failure: 0 once that lasted resetAfterMs. */
export function attemptAfterQuiet(policy: BackoffPolicy, attempt: number, quietMs: number): number {
  return policy.resetAfterMs !== undefined && quietMs >= policy.resetAfterMs ? 0 : attempt;
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

  /** The delay before the next retry; `quietMs`, the time since the last failure, may reset it first. */
  next(quietMs = 0): number {
    this.#attempt = attemptAfterQuiet(this.policy, this.#attempt, quietMs);
    return backoffDelayMs(this.policy, this.#attempt++, this.#random);
  }

  reset(): void {
    this.#attempt = 0;
  }
}
