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

interface LocalRoom<C, R> {
  readonly connections: Set<C>;
  members: readonly string[];
  /** Made once when the room's first connection here joins: every say, leave and repair reuses it. */
  readonly ref: R;
}

/**
 * This node's connections per room, each room's member list as last heard, and one Ref per room.
 * Lines reach sockets through uWS topics; presence goes socket by socket (so a slow socket can skip
 * it) and the member list is what a socket that skipped some gets once it drains.
 *
 * The Ref is cached here so that the say path builds none per frame: a Ref remembers its route, and
 * the cache is bounded by the rooms this node's sockets are in (it goes with the room's last
 * connection). A room not held here (a join still in flight) gets a fresh Ref, not cached.
 */
export class LocalRooms<C extends RoomListener, R> {
  readonly #rooms = new Map<string, LocalRoom<C, R>>();
  readonly #makeRef: (room: string) => R;

  constructor(makeRef: (room: string) => R) {
    this.#makeRef = makeRef;
  }

  get rooms(): number {
    return this.#rooms.size;
  }

  add(room: string, connection: C, members: readonly string[]): void {
    let entry = this.#rooms.get(room);
    if (entry === undefined) this.#rooms.set(room, (entry = { connections: new Set(), members, ref: this.#makeRef(room) }));
    entry.connections.add(connection);
    entry.members = members;
  }

  remove(room: string, connection: C): void {
    const entry = this.#rooms.get(room);
    if (entry === undefined) return;
    entry.connections.delete(connection);
    if (entry.connections.size === 0) this.#rooms.delete(room);
  }

  /** The rooms (or sessions) some connection here is in. */
  ids(): string[] {
    return [...this.#rooms.keys()];
  }

  /** Whether any connection here is in the room. */
  has(room: string): boolean {
    return this.#rooms.has(room);
  }

  /** The room's Ref: the cached one while a connection here is in the room, else a new one. */
  ref(room: string): R {
    return this.#rooms.get(room)?.ref ?? this.#makeRef(room);
  }

  members(room: string): readonly string[] {
    return this.#rooms.get(room)?.members ?? [];
  }

  /** Sends a presence event to the room's connections here, except the player it is about. */
  presence(room: string, text: string, members: readonly string[], subject: string | undefined): void {
    const entry = this.#rooms.get(room);
    if (entry === undefined) return;
    entry.members = members;
    for (const connection of entry.connections) connection.presence(text, room, subject);
  }

  /**
   * After a line was published to the room's topic: closes the connections whose output passed
   * the hard limit (uWS would otherwise skip them silently on the next publish).
   */
  checkBackpressure(room: string): void {
    const entry = this.#rooms.get(room);
    if (entry === undefined) return;
    let over: C[] | null = null;
    for (const connection of entry.connections) if (connection.overLimit()) (over ??= []).push(connection);
    // Closing runs the close handler, which edits the set: done after the loop.
    if (over !== null) for (const connection of over) connection.closeSlow();
  }
}
