/** A token bucket's settings: `burst` frames at once, refilled at `perSecond`. */
export interface RateLimit {
  readonly burst: number;
  readonly perSecond: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { burst: 40, perSecond: 20 };

interface Bucket {
  tokens: number;
  /** Clock time of the last refill. */
  at: number;
}

/**
 * One token bucket per character on this node (a character connected twice shares one). A frame
 * takes a token; an empty bucket refuses it and says when the next token comes. Buckets are plain
 * records refilled lazily on use; `sweep` forgets the ones that are full again, which is lossless
 * (a full bucket and a new one are the same), so the map only holds recently active characters.
 */
export class RateLimiter {
  readonly #limit: RateLimit;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();
  /** With `sweepEveryMs`, a take at least that long after the last sweep sweeps first (no timer to own). */
  readonly #sweepEveryMs: number;
  #sweptAt: number;

  constructor(limit: RateLimit, now: () => number = Date.now, sweepEveryMs = Infinity) {
    this.#limit = limit;
    this.#now = now;
    this.#sweepEveryMs = sweepEveryMs;
    this.#sweptAt = now();
  }

  get limit(): RateLimit {
    return this.#limit;
  }

  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Takes `cost` tokens (default one) for `character`: 0 if it had them, else the milliseconds
   * until it will (nothing is taken then). A cost above the burst is never affordable: callers
   * bound it first (the text budget's burst is above the longest text a frame may carry).
   */
  take(character: string, cost = 1): number {
    const now = this.#now();
    if (now - this.#sweptAt >= this.#sweepEveryMs) this.sweep();
    let bucket = this.#buckets.get(character);
    if (bucket === undefined) {
      bucket = { tokens: this.#limit.burst, at: now };
      this.#buckets.set(character, bucket);
    } else {
      this.#refill(bucket, now);
    }
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return 0;
    }
    return Math.max(1, Math.ceil(((cost - bucket.tokens) * 1000) / this.#limit.perSecond));
  }

  /** Whether `character` has `cost` tokens now, without taking them (nor keeping a bucket for it). */
  has(character: string, cost = 1): boolean {
    const bucket = this.#buckets.get(character);
    if (bucket === undefined) return this.#limit.burst >= cost;
    this.#refill(bucket, this.#now());
    return bucket.tokens >= cost;
  }

  /** Forgets buckets that have refilled completely. */
  sweep(): void {
    const now = this.#now();
    this.#sweptAt = now;
    for (const [character, bucket] of this.#buckets) {
      this.#refill(bucket, now);
      if (bucket.tokens >= this.#limit.burst) this.#buckets.delete(character);
    }
  }

  #refill(bucket: Bucket, now: number): void {
    if (now <= bucket.at) return;
    bucket.tokens = Math.min(this.#limit.burst, bucket.tokens + ((now - bucket.at) * this.#limit.perSecond) / 1000);
    bucket.at = now;
  }
}
