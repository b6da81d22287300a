/**
 * Room memberships of closed connections, kept for the resume window. A player who reconnects to
 * this node within it takes them back (`adopt`); one who resumes on another node moves them there
 * (the room then ignores this node's leave); the rest are left when the window ends.
 */
export class HeldRooms {
  readonly #windowMs: number;
  readonly #leave: (player: string, room: string) => void;
  readonly #byPlayer = new Map<string, Map<string, NodeJS.Timeout>>();

  constructor(windowMs: number, leave: (player: string, room: string) => void) {
    this.#windowMs = windowMs;
    this.#leave = leave;
  }

  get size(): number {
    let n = 0;
    for (const rooms of this.#byPlayer.values()) n += rooms.size;
    return n;
  }

  hold(player: string, rooms: Iterable<string>): void {
    let held = this.#byPlayer.get(player);
    for (const room of rooms) {
      if (this.#windowMs === 0) {
        this.#leave(player, room);
        continue;
      }
      if (held === undefined) this.#byPlayer.set(player, (held = new Map()));
      const previous = held.get(room);
      if (previous !== undefined) clearTimeout(previous);
      const timer = setTimeout(() => {
        this.#forget(player, room);
        this.#leave(player, room);
      }, this.#windowMs);
      // A held membership must not keep a process alive that has nothing else to do.
      timer.unref();
      held.set(room, timer);
    }
  }

  /** Takes a held membership back for a new connection of the player; true if there was one. */
  adopt(player: string, room: string): boolean {
    const timer = this.#byPlayer.get(player)?.get(room);
    if (timer === undefined) return false;
    clearTimeout(timer);
    this.#forget(player, room);
    return true;
  }

  /** Ends every hold now (the gateway closes) and returns what was held, to be left. */
  releaseAll(): [player: string, room: string][] {
    const all: [string, string][] = [];
    for (const [player, rooms] of this.#byPlayer) {
      for (const [room, timer] of rooms) {
        clearTimeout(timer);
        all.push([player, room]);
      }
    }
    this.#byPlayer.clear();
    return all;
  }

  #forget(player: string, room: string): void {
    const held = this.#byPlayer.get(player);
    if (held === undefined) return;
    held.delete(room);
    if (held.size === 0) this.#byPlayer.delete(player);
  }
}
