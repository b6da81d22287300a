/** What LocalRooms needs of a connection. */
export interface RoomListener {
  readonly player: string;
  /** A presence change (or snapshot) for a room the connection is in. */
  presence(text: string, room: string, subject: string | undefined): void;
  /** Whether its unsent output is over the hard limit. */
  overLimit(): boolean;
  /** Closes it as a slow consumer (4008). */
  closeSlow(): void;
}

/**
 * This node's connections per room, and each room's member list as last heard. Lines reach sockets
 * through uWS topics; presence goes socket by socket (so a slow socket can skip it) and the member
 * list is what a socket that skipped some gets once it drains.
 */
export class LocalRooms<C extends RoomListener> {
  readonly #connections = new Map<string, Set<C>>();
  readonly #members = new Map<string, readonly string[]>();

  get rooms(): number {
    return this.#connections.size;
  }

  add(room: string, connection: C, members: readonly string[]): void {
    let set = this.#connections.get(room);
    if (set === undefined) this.#connections.set(room, (set = new Set()));
    set.add(connection);
    this.#members.set(room, members);
  }

  remove(room: string, connection: C): void {
    const set = this.#connections.get(room);
    if (set === undefined) return;
    set.delete(connection);
    if (set.size === 0) {
      this.#connections.delete(room);
      this.#members.delete(room);
    }
  }

  /** Whether any connection here is in the room. */
  has(room: string): boolean {
    return this.#connections.has(room);
  }

  members(room: string): readonly string[] {
    return this.#members.get(room) ?? [];
  }

  /** Sends a presence event to the room's connections here, except the player it is about. */
  presence(room: string, text: string, members: readonly string[], subject: string | undefined): void {
    const set = this.#connections.get(room);
    if (set === undefined) return;
    this.#members.set(room, members);
    for (const connection of set) connection.presence(text, room, subject);
  }

  /**
   * After a line was published to the room's topic: closes the connections whose output passed
   * the hard limit (uWS would otherwise skip them silently on the next publish).
   */
  checkBackpressure(room: string): void {
    const set = this.#connections.get(room);
    if (set === undefined) return;
    let over: C[] | null = null;
    for (const connection of set) if (connection.overLimit()) (over ??= []).push(connection);
    // Closing runs the close handler, which edits the set: done after the loop.
    if (over !== null) for (const connection of over) connection.closeSlow();
  }
}
