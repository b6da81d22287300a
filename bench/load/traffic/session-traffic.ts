// Session turns of a load process's players: each takes `turnsPerMinutePerPlayer` turns a minute
// in its session while connected, timed from the turn frame to its turn-accepted (player.ts).
import type { LoadPlayer } from './player.js';

export class SessionTraffic {
  readonly #players: readonly LoadPlayer[];
  readonly #periodMs: number;
  /** When each player takes its next turn (performance clock). */
  readonly #next: number[];
  #turns = 0;

  /** `start`: the run's start on the performance clock. */
  constructor(players: readonly LoadPlayer[], start: number, turnsPerMinutePerPlayer: number) {
    this.#players = players;
    this.#periodMs = 60_000 / turnsPerMinutePerPlayer;
    // Staggered over one period after each player connects, so that turns do not come in waves.
    this.#next = players.map((p, i) => start + p.spec.offsetMs + (this.#periodMs * (i + 1)) / (players.length + 1));
  }

  /** Takes the turns due by `now`; turns due while a player was offline are skipped, not sent in a burst. */
  tick(now: number): void {
    const period = this.#periodMs;
    for (let i = 0; i < this.#players.length; i++) {
      if (this.#next[i] > now) continue;
      const p = this.#players[i];
      if (now - this.#next[i] > period) this.#next[i] = now;
      if (!p.online) continue;
      while (this.#next[i] <= now) {
        p.turn(`${p.spec.player} acts (turn ${++this.#turns})`);
        this.#next[i] += period;
      }
    }
  }
}
