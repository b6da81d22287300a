// How often a service of the topology may be restarted, as Erlang's supervisor intensity: at most
// `maxRestarts` restarts within any `periodMs`; one more and the supervisor gives up on the service
// (it stays down, `glass dev status` shows it failed). maxRestarts 0: a service that dies stays dead.

export interface RestartLimit {
  readonly maxRestarts: number;
  readonly periodMs: number;
}

export const DEFAULT_RESTART_LIMIT: RestartLimit = { maxRestarts: 5, periodMs: 300_000 };

export class RestartIntensity {
  readonly limit: RestartLimit;
  /** When the restarts still inside the period happened (ms, oldest first): at most maxRestarts + 1. */
  readonly #at: number[] = [];

  constructor(limit: RestartLimit) {
    this.limit = limit;
  }

  /** Records a restart wanted at `nowMs`; false when it would be one too many within the period. */
  admit(nowMs: number): boolean {
    this.#at.push(nowMs);
    while (this.#at.length > 0 && this.#at[0] <= nowMs - this.limit.periodMs) this.#at.shift();
    if (this.#at.length > this.limit.maxRestarts) {
      this.#at.pop();
      return false;
    }
    return true;
  }
}
