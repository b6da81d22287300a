// The sessions the client is in, as it last saw them: the seq of the last event (what a resume asks
// after), the members, and how far the running turn's narration has come. A narration chunk is
// named by (turn, part, index): one at or before the last reported is dropped, so a chunk is
// reported once even when a resume replays it or a resumed run streams it again.
import type { ServerFrameOf } from '../protocol/index.js';

interface SessionView {
  seq: number;
  members: string[];
  turn: number;
  part: number;
  next: number;
  settled: number;
}

type Chunk = Pick<ServerFrameOf<'narration'>, 'turn' | 'part' | 'index'>;

export class SessionBook {
  readonly #sessions = new Map<string, SessionView>();

  has(session: string): boolean {
    return this.#sessions.has(session);
  }

  sessions(): string[] {
    return [...this.#sessions.keys()];
  }

  /** The session's state now (after `session-joined` or a resync). */
  reset(session: string, seq: number, members: string[], running?: ServerFrameOf<'session-joined'>['running']): void {
    const last = running?.chunks[running.chunks.length - 1];
    const previous = this.#sessions.get(session);
    const view: SessionView = { seq, members: [...members], turn: running?.turn ?? 0, part: last?.part ?? 0, next: last === undefined ? 0 : last.index + 1, settled: running === undefined ? 0 : running.turn - 1 };
    if (previous !== undefined && previous.turn === view.turn && (previous.part > view.part || (previous.part === view.part && previous.next > view.next))) {
      view.part = previous.part;
      view.next = previous.next;
    }
    if (previous !== undefined) view.settled = Math.max(view.settled, previous.settled);
    this.#sessions.set(session, view);
  }

  remove(session: string): void {
    this.#sessions.delete(session);
  }

  setMembers(session: string, members: string[]): void {
    const view = this.#sessions.get(session);
    if (view !== undefined) view.members = [...members];
  }

  members(session: string): string[] | undefined {
    const members = this.#sessions.get(session)?.members;
    return members === undefined ? undefined : [...members];
  }

  /** An event after every one seen so far (false: a replay of one reported already). */
  isNew(session: string, seq: number): boolean {
    const view = this.#sessions.get(session);
    return view === undefined || seq > view.seq;
  }

  /** Records an event's seq (the highest seen is what a resume asks after). */
  saw(session: string, seq: number): void {
    const view = this.#sessions.get(session);
    if (view !== undefined && seq > view.seq) view.seq = seq;
  }

  /** A chunk to report: false if it (or a later one of the same turn) was reported already. */
  acceptChunk(session: string, c: Chunk): boolean {
    const v = this.#sessions.get(session);
    if (v === undefined) return true;
    if (c.turn <= v.settled || c.turn < v.turn) return false;
    if (c.turn === v.turn && (c.part < v.part || (c.part === v.part && c.index < v.next))) return false;
    v.turn = c.turn;
    v.part = c.part;
    v.next = c.index + 1;
    return true;
  }

  /** A degraded restart starts part `part` of the turn over: false if already reported. */
  acceptRestart(session: string, turn: number, part: number): boolean {
    const v = this.#sessions.get(session);
    if (v === undefined) return true;
    if (turn <= v.settled || (turn === v.turn && part <= v.part)) return false;
    v.turn = turn;
    v.part = part;
    v.next = 0;
    return true;
  }

  /**
   * A commit, failure or cancellation of a turn: false if reported already. A cancelled turn is
   * settled too: a chunk of it that a resume replays is dropped.
   */
  acceptSettled(session: string, turn: number): boolean {
    const v = this.#sessions.get(session);
    if (v === undefined) return true;
    if (turn <= v.settled) return false;
    v.settled = turn;
    return true;
  }

  seqs(): Record<string, number> {
    const seqs: Record<string, number> = {};
    for (const [session, view] of this.#sessions) seqs[session] = view.seq;
    return seqs;
  }
}
