// The rooms the client is in, as it last saw them: the seq of the last line (what a resume asks
// after) and the member list. Lines at or below that seq are not reported again.
import type { RoomLine } from './events.js';

interface RoomView {
  seq: number;
  members: string[];
}

export class RoomBook {
  readonly #rooms = new Map<string, RoomView>();

  has(room: string): boolean {
    return this.#rooms.has(room);
  }

  rooms(): string[] {
    return [...this.#rooms.keys()];
  }

  get size(): number {
    return this.#rooms.size;
  }

  /** The room's state now (after `joined`, `resync`): later lines are those above `seq`. */
  reset(room: string, seq: number, members: string[]): void {
    this.#rooms.set(room, { seq, members: [...members] });
  }

  remove(room: string): void {
    this.#rooms.delete(room);
  }

  /** Records a line; false if it was seen already (seq not above the last). A room not in the book takes any line. */
  accept(room: string, line: RoomLine): boolean {
    const view = this.#rooms.get(room);
    if (view === undefined) return true;
    if (line.seq <= view.seq) return false;
    view.seq = line.seq;
    return true;
  }

  setMembers(room: string, members: string[]): void {
    const view = this.#rooms.get(room);
    if (view !== undefined) view.members = [...members];
  }

  members(room: string): string[] | undefined {
    const members = this.#rooms.get(room)?.members;
    return members === undefined ? undefined : [...members];
  }

  /** The last seq seen per room. */
  seqs(): Record<string, number> {
    const seqs: Record<string, number> = {};
    for (const [room, view] of this.#rooms) seqs[room] = view.seq;
    return seqs;
  }
}
