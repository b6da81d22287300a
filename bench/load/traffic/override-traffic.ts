// Overrides sprinkled into a run: each moderator of a load process sends one every `everyMs` (the
// scenario's overridesPerMinute divided among all moderators), staggered, and lifts its mutes and
// pauses once they have held (moderator.ts).
import type { LoadModerator } from './moderator.js';

export class OverrideTraffic {
  readonly #moderators: readonly LoadModerator[];
  readonly #everyMs: number;
  readonly #next: number[];

  /** `slot` and `of`: this process's moderators are slots slot[i] of `of` moderators in the whole run. */
  constructor(moderators: readonly LoadModerator[], slots: readonly number[], of: number, start: number, everyMs: number) {
    this.#moderators = moderators;
    this.#everyMs = everyMs;
    this.#next = slots.map((slot) => start + (everyMs * (slot + 1)) / of);
  }

  /** Sends the overrides due by `now` (only while `sending`: not in the drain) and the lifts due. */
  tick(now: number, sending: boolean): void {
    for (let i = 0; i < this.#moderators.length; i++) {
      const m = this.#moderators[i];
      if (sending && this.#next[i] <= now) {
        // Overrides due while a moderator was offline are skipped, not sent in a burst.
        if (now - this.#next[i] > this.#everyMs) this.#next[i] = now;
        if (m.override()) this.#next[i] += this.#everyMs;
      }
      m.tick(now);
    }
  }
}
