// The load processes' running counts of errors (by code) and reconnects, as the progress polls saw
// them over the run: what happened between two times (a fault's window) is the difference of the
// snapshots around them.

export interface CountsSnapshot {
  /** ms from the run's start. */
  atMs: number;
  reconnects: number;
  errors: Record<string, number>;
}

export class CountsLog {
  readonly #snapshots: CountsSnapshot[] = [{ atMs: 0, reconnects: 0, errors: {} }];

  /** A snapshot of the counts summed over every load process (times must not go back). */
  add(snapshot: CountsSnapshot): void {
    if (snapshot.atMs >= this.#snapshots[this.#snapshots.length - 1].atMs) this.#snapshots.push(snapshot);
  }

  /**
   * Errors and reconnects between `fromMs` and `toMs`: the difference of the last snapshots at or
   * before each (the polls come every 250 ms or so: what happened since the last poll before `toMs`
   * is left to the next window rather than taken from it).
   */
  between(fromMs: number, toMs: number): { reconnects: number; errors: Record<string, number> } {
    const at = (ms: number): CountsSnapshot => {
      let found = this.#snapshots[0];
      for (const s of this.#snapshots) if (s.atMs <= ms) found = s;
      return found;
    };
    const a = at(fromMs);
    const b = at(toMs);
    const errors: Record<string, number> = {};
    for (const [code, n] of Object.entries(b.errors)) {
      const d = n - (a.errors[code] ?? 0);
      if (d > 0) errors[code] = d;
    }
    return { reconnects: Math.max(0, b.reconnects - a.reconnects), errors };
  }
}
