/** Where an actor runs: a node, and a thread in it (0 is the main thread, 1..W the workers). */
export interface Location {
  readonly node: string;
  readonly thread: number;
}

export interface NodeMember {
  readonly id: string;
  readonly workers: number;
}

/** The same members, in the same order, with the same worker counts (lists as membership sorts them). */
export function sameMembers(a: readonly NodeMember[], b: readonly NodeMember[]): boolean {
  return a.length === b.length && a.every((m, i) => m.id === b[i].id && m.workers === b[i].workers);
}

/**
 * Maps an actor id to its location. Every thread of every node builds its own Placement from the
 * same membership, and the mapping must be a pure function of (members, id): that is what lets
 * any thread route without asking anyone.
 */
export interface Placement {
  /** Bumped on every membership change; cached locations older than it are stale. */
  readonly version: number;
  locate(id: string): Location;
  setMembers(members: readonly NodeMember[]): void;
  /**
   * The node that held `id` before the last membership change, when that was another node than
   * its owner now (it may still have the actor active, e.g. while it leaves); else null.
   */
  previousOwner?(id: string): string | null;
}

export interface PlacementInit {
  readonly members: readonly NodeMember[];
  readonly options?: unknown;
}
