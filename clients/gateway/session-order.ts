import type { RunningTurnView, SessionEvent } from '../../actors/index.js';

interface Passed {
  /** The turn whose chunks were published last, its part, and the index of its next chunk. */
  turn: number;
  part: number;
  next: number;
  /** The last turn committed (or failed) here. */
  settled: number;
}

/**
 * Which events of each session this gateway has published, so that none reaches its sockets twice.
 *
 * A session sends its events in seq order over one FIFO route, so they arrive in order; what can
 * come twice is narration: a session whose worker died resumes the running turn, and the resumed
 * run streams its chunks again from the start (the indexes are deterministic per turn). A chunk
 * is named by (turn, part, index), where `part` counts the degraded restarts of the turn: one at
 * or before the last published is dropped, as are a restart of a part already started and the
 * commit of a turn already settled. Bounded by the sessions this node's sockets are in (prune).
 */
export class SessionOrder {
  readonly #sessions = new Map<string, Passed>();

  get sessions(): number {
    return this.#sessions.size;
  }

  /** Whether the event is new here (then it is recorded as published). */
  admit(event: SessionEvent): boolean {
    let p = this.#sessions.get(event.session);
    if (p === undefined) this.#sessions.set(event.session, (p = { turn: 0, part: 0, next: 0, settled: 0 }));
    switch (event.type) {
      case 'narration':
        if (event.turn <= p.settled || event.turn < p.turn) return false;
        if (event.turn === p.turn && (event.part < p.part || (event.part === p.part && event.index < p.next))) return false;
        p.turn = event.turn;
        p.part = event.part;
        p.next = event.index + 1;
        return true;
      case 'narration-degraded':
        if (event.turn <= p.settled) return false;
        if (event.restart) {
          if (event.turn === p.turn && event.part <= p.part) return false;
          p.turn = event.turn;
          p.part = event.part;
          p.next = 0;
        }
        return true;
      case 'turn-started':
        if (event.turn <= p.settled || event.turn < p.turn) return false;
        if (event.turn > p.turn) {
          p.turn = event.turn;
          p.part = 0;
          p.next = 0;
        }
        return true;
      case 'turn-committed':
      case 'turn-failed':
      // A cancelled turn is settled too: nothing of it comes after.
      case 'turn-cancelled':
        if (event.turn <= p.settled) return false;
        p.settled = event.turn;
        return true;
      default:
        return true;
    }
  }

  /**
   * The session's first socket here joined it: what its answer carried (the running turn's chunks
   * so far) is passed here, so the same chunks streamed again after a resume are not sent twice.
   */
  seen(session: string, running: RunningTurnView | undefined): void {
    if (running === undefined) return;
    const p = this.#sessions.get(session) ?? { turn: 0, part: 0, next: 0, settled: 0 };
    const last = running.chunks[running.chunks.length - 1];
    if (running.turn > p.turn || (running.turn === p.turn && last !== undefined && (last.part > p.part || (last.part === p.part && last.index >= p.next)))) {
      p.turn = running.turn;
      p.part = last?.part ?? 0;
      p.next = last === undefined ? 0 : last.index + 1;
    }
    if (running.turn - 1 > p.settled) p.settled = running.turn - 1;
    this.#sessions.set(session, p);
  }

  /** Forgets the sessions `keep` says no to (no sockets here any more). */
  prune(keep: (session: string) => boolean): void {
    for (const session of this.#sessions.keys()) if (!keep(session)) this.#sessions.delete(session);
  }
}
