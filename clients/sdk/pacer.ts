// Client-side pacing to the gateway's rate limit (the `limits` of `welcome`): a token bucket, so a
// burst of requests is spread out instead of refused with GLASS_ERR_RATE_LIMITED. A refusal that
// still comes (the bucket is per character and per node on the server) pauses it for `retryAfterMs`.
// One token is kept in reserve: frames sent evenly can arrive bunched (the network's jitter), and
// the server counts their arrival.

export class Pacer {
  readonly #now: () => number;
  #burst = Infinity;
  #perMs = Infinity;
  #tokens = Infinity;
  #at = 0;
  #pausedUntil = 0;
  #reserve = 0;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Adopts a connection's limits; the bucket starts full. */
  configure(burst: number, perSecond: number): void {
    this.#burst = burst;
    this.#perMs = perSecond / 1000;
    this.#tokens = burst;
    this.#reserve = burst >= 2 ? 1 : 0;
    this.#at = this.#now();
  }

  /** Takes a token if one is available now. */
  take(): boolean {
    if (this.waitMs() > 0) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Takes a token even if none is left (frames that cannot wait, such as the resume). */
  spend(): void {
    this.#refill();
    this.#tokens -= 1;
  }

  /** How long until `take` succeeds. */
  waitMs(): number {
    this.#refill();
    const paused = this.#pausedUntil - this.#now();
    const needed = 1 + this.#reserve;
    if (this.#tokens >= needed) return Math.max(0, paused);
    return Math.max(paused, Math.ceil((needed - this.#tokens) / this.#perMs));
  }

  /** The server refused a frame for rate: send nothing for `ms`. */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + ms);
  }

  #refill(): void {
    const now = this.#now();
    if (this.#tokens < this.#burst) this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perMs);
    this.#at = now;
  }
}
