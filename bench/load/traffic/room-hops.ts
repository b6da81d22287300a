// Room hops of a load process's players: every `hopEvery` ms a player leaves its room and joins
// the next room of its load process (so a line's sender and receivers still share one clock),
// then says lines there once `joined` answers. join → joined and leave → left are timed (player.ts).
import type { LoadPlayer } from './player.js';

/** The rooms of a load process in order: each hop goes to the next, the last to the first. */
export function hopRing(players: readonly LoadPlayer[]): Map<string, string> {
  const rooms = [...new Set(players.map((p) => p.spec.room))];
  return new Map(rooms.map((r, i) => [r, rooms[(i + 1) % rooms.length]]));
}

export class RoomHops {
  readonly #players: readonly LoadPlayer[];
  readonly #everyMs: number;
  readonly #next: number[];
  readonly #ring: Map<string, string>;
  #hops = 0;

  constructor(players: readonly LoadPlayer[], start: number, hopEvery: number) {
    this.#players = players;
    this.#everyMs = hopEvery;
    this.#ring = hopRing(players);
    // Staggered like churn: player i first hops between one and two periods after it connects.
    this.#next = players.map((p, i) => start + p.spec.offsetMs + hopEvery * (1 + i / players.length));
  }

  get hops(): number {
    return this.#hops;
  }

  /**
   * Hops the players due by `now`. A player not settled in its room (joining, resuming, mid-hop)
   * hops as soon as it is; one that was away for a whole period does not catch up.
   */
  tick(now: number): void {
    for (let i = 0; i < this.#players.length; i++) {
      if (this.#next[i] > now) continue;
      const p = this.#players[i];
      if (p.hop(this.#ring.get(p.room)!)) {
        this.#hops++;
        this.#next[i] += this.#everyMs;
        if (this.#next[i] <= now) this.#next[i] = now + this.#everyMs;
      } else if (now - this.#next[i] > this.#everyMs) {
        this.#next[i] += this.#everyMs;
      }
    }
  }
}
