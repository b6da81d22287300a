import HashRing from 'hashring';
import { InvalidOptionError, type Location, type NodeMember, type Placement, type PlacementInit, type ModuleRef } from '../../runtime/index.js';

/**
 * Ids whose location is memoised (cleared whole when full). An active actor's senders keep its
 * location in their Refs, so the memo serves first contacts; kept small, it costs idle actors
 * nothing (at 100,000 actors a memo of all of them was ≈ 100 bytes each).
 */
const CACHE_LIMIT = 16_384;

/**
 * Consistent hashing in two steps, as the design asks: the id picks a node on a ring of live node
 * ids, then a worker on that node's ring of worker names. A membership change only moves ids whose
 * arc changed owner (≈ 1/N of them). Lookups are memoised; the memo is dropped on every change.
 */
export class HashringPlacement implements Placement {
  #version = 0;
  #members: readonly NodeMember[] = [];
  #nodeRing: HashRing | null = null;
  #workerRings = new Map<string, HashRing>();
  #cache = new Map<string, Location>();
  /** One frozen Location per node and thread, shared by every id placed there. */
  #locations = new Map<string, Location[]>();
  /** The node ring before the last change, and the members then. */
  #previousRing: HashRing | null = null;
  #previousSingle: string | null = null;

  constructor(members: readonly NodeMember[]) {
    this.setMembers(members);
  }

  get version(): number {
    return this.#version;
  }

  get members(): readonly NodeMember[] {
    return this.#members;
  }

  setMembers(members: readonly NodeMember[]): void {
    if (members.length === 0) throw new InvalidOptionError('members', 'at least one node', members);
    const ids = new Set<string>();
    for (const m of members) {
      if (typeof m.id !== 'string' || m.id === '' || ids.has(m.id)) throw new InvalidOptionError(`members[${m.id}].id`, 'a unique non-empty string', m.id);
      ids.add(m.id);
      if (!Number.isInteger(m.workers) || m.workers < 1) throw new InvalidOptionError(`members[${m.id}].workers`, 'a positive integer', m.workers);
    }
    if (this.#members.length > 0) {
      this.#previousRing = this.#nodeRing;
      this.#previousSingle = this.#members.length === 1 ? this.#members[0].id : null;
    }
    this.#members = [...members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.#nodeRing = new HashRing(this.#members.map((m) => m.id));
    const rings = new Map<string, HashRing>();
    for (const m of this.#members) {
      // Always rebuilt (a few vnodes each): reusing a node's old ring kept it on its old worker count.
      rings.set(m.id, new HashRing(Array.from({ length: m.workers }, (_, i) => `w${i + 1}`)));
    }
    this.#workerRings = rings;
    this.#cache = new Map();
    this.#locations = new Map(this.#members.map((m) => [m.id, Array.from({ length: m.workers + 1 }, (_, thread) => Object.freeze({ node: m.id, thread }))]));
    this.#version++;
  }

  previousOwner(id: string): string | null {
    if (this.#previousRing === null) return null;
    const root = rootOf(id);
    const before = this.#previousSingle ?? this.#previousRing.get(root);
    return before === this.locate(id).node ? null : before;
  }

  locate(id: string): Location {
    const cached = this.#cache.get(id);
    if (cached !== undefined) return cached;
    // A spawned child's id is "<parent id>/<name>": hashing only the root segment puts every
    // descendant on its root's node and worker, where its supervisor runs.
    const root = rootOf(id);
    const node = this.#members.length === 1 ? this.#members[0].id : this.#nodeRing!.get(root);
    const worker = this.#workerRings.get(node)!.get(root + '#w');
    const location = this.#locations.get(node)![Number(worker.slice(1))];
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(id, location);
    return location;
  }
}

function rootOf(id: string): string {
  const slash = id.indexOf('/');
  return slash < 0 ? id : id.slice(0, slash);
}

export function createHashringPlacement(init: PlacementInit): Placement {
  return new HashringPlacement(init.members);
}

/** What a worker loads to build this placement (workers receive data, not functions). */
export const HASHRING_PLACEMENT: ModuleRef = { module: import.meta.url, export: 'createHashringPlacement' };
