/** A line as the room numbered it, and the frame that carries it to sockets. */
export interface NumberedLine {
  seq: number;
  text: string;
}

/**
 * The lines of each room this gateway fans out, published once each and in the room's order.
 *
 * A room numbers its lines and sends each to every gateway node with members. When a room's node
 * dies between saving a line and sending it (the send is not persisted with the state), the room
 * comes back elsewhere with that line in its history, but the gateways never got it: their
 * members would see seq n, then n + 2. So a gateway publishes a room's line only after the one
 * before it: a gap holds the room's lines while the missing ones are fetched from the room's
 * history, then publishes everything held in order.
 *
 * The first line heard for a room starts its count (nothing before it is owed here). A line at or
 * below the count is published as it comes and leaves the count alone: a late line (the order of a
 * dead node's messages is not kept across a failover) or a room that started again from nothing
 * (a store that does not outlive its worker). What cannot be fetched (the room could not answer,
 * or the lines left its history) is skipped: the members' clients see the gap and can resume.
 */
export class LineOrder {
  readonly #rooms = new Map<string, { last: number; held: Map<number, string> | null }>();
  readonly #fetch: (room: string, after: number) => Promise<NumberedLine[]>;
  readonly #publish: (room: string, text: string) => void;

  /**
   * @param fetch the room's lines after `after`, as frames (the room's `lines` message)
   * @param publish sends a frame to the room's sockets here
   */
  constructor(fetch: (room: string, after: number) => Promise<NumberedLine[]>, publish: (room: string, text: string) => void) {
    this.#fetch = fetch;
    this.#publish = publish;
  }

  get rooms(): number {
    return this.#rooms.size;
  }

  /** A line the room sent: published now, after a repair, or not at all (already published). */
  line(room: string, seq: number, text: string): void {
    const r = this.#rooms.get(room);
    if (r === undefined) {
      this.#rooms.set(room, { last: seq, held: null });
      return this.#publish(room, text);
    }
    if (seq <= r.last) return this.#publish(room, text);
    if (r.held !== null) {
      r.held.set(seq, text);
      return;
    }
    if (seq === r.last + 1) {
      r.last = seq;
      return this.#publish(room, text);
    }
    const held = (r.held = new Map([[seq, text]]));
    const release = (): void => {
      for (const s of [...held.keys()].sort((a, b) => a - b)) {
        if (s <= r.last) continue;
        r.last = s;
        this.#publish(room, held.get(s)!);
      }
      r.held = null;
    };
    this.#fetch(room, r.last).then(
      (lines) => {
        for (const l of lines) if (!held.has(l.seq)) held.set(l.seq, l.text);
        release();
      },
      release,
    );
  }

  /**
   * The room's first socket here joined (or resumed) it with its lines up to `seq`: nobody here is
   * owed them (without this, a node whose members had all left and come back would take the
   * lines said meanwhile for a gap, and send them again to a member that has them). Called only
   * when no other socket here is in the room: those would be owed the lines, and a gap is right.
   */
  seen(room: string, seq: number): void {
    const r = this.#rooms.get(room);
    if (r === undefined) this.#rooms.set(room, { last: seq, held: null });
    else if (seq > r.last) r.last = seq;
  }

  /** Forgets the rooms `keep` says no to (no sockets here any more); a repair in flight stays. */
  prune(keep: (room: string) => boolean): void {
    for (const [room, r] of this.#rooms) if (r.held === null && !keep(room)) this.#rooms.delete(room);
  }
}
