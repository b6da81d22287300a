/**
 * The rooms of one connection, as the rooms answered: `accepted` holds those whose actor accepted
 * its join or resume and that it has not left (the answer to its `leave` came back) nor been kicked
 * from; `pending` counts the joins and resumes sent to a room and not answered yet. Only an answer
 * puts a room in `accepted`, so a refused join leaves nothing behind, and resume tokens list these.
 * `say` and `leave` may follow a `join` at once: the room takes one connection's frames in order,
 * and decides.
 */
export class ConnectionRooms {
  readonly accepted = new Set<string>();
  readonly #pending = new Map<string, number>();

  has(id: string): boolean {
    return this.accepted.has(id);
  }

  /** Accepted, or a join or resume of it is on its way. */
  known(id: string): boolean {
    return this.accepted.has(id) || this.#pending.has(id);
  }

  /** Rooms the connection is in or asked to be in: what RESUME_MAX_ROOMS bounds. */
  get count(): number {
    let n = this.accepted.size;
    for (const id of this.#pending.keys()) if (!this.accepted.has(id)) n++;
    return n;
  }

  /** A join or resume leaves for the room. */
  begin(id: string): void {
    this.#pending.set(id, (this.#pending.get(id) ?? 0) + 1);
  }

  /** The room answered a join or resume (either way). */
  settle(id: string): void {
    const n = (this.#pending.get(id) ?? 1) - 1;
    if (n <= 0) this.#pending.delete(id);
    else this.#pending.set(id, n);
  }

  /** Every room accepted or asked for; then forgets them all (the socket closed). */
  takeAll(): Set<string> {
    const all = new Set([...this.accepted, ...this.#pending.keys()]);
    this.accepted.clear();
    this.#pending.clear();
    return all;
  }
}
