// The in-process SceneCache: what a node without Redis (the embedded default) uses, one per worker.
// Bounded (past maxEntries the least recently set session goes) and timed on an injected clock, so
// the contract suite drives its TTL without waiting. Worker-safe.
import {
  checkSceneKey,
  checkSceneSnapshot,
  integerOption,
  SCENE_CACHE_MAX_ENTRIES,
  SCENE_CACHE_TTL_MS,
  systemClock,
  type Clock,
  type SceneCache,
  type SceneSnapshot,
} from '../../runtime/index.js';

export interface MemorySceneCacheOptions {
  /** Default SCENE_CACHE_TTL_MS (10 minutes). */
  ttlMs?: number;
  /** Default SCENE_CACHE_MAX_ENTRIES. */
  maxEntries?: number;
  /** Default the system clock: a ManualClock in tests. */
  clock?: Pick<Clock, 'now'>;
}

interface Entry {
  snapshot: SceneSnapshot;
  expiresAt: number;
}

export class MemorySceneCache implements SceneCache {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #clock: Pick<Clock, 'now'>;
  // A Map iterates in insertion order: re-inserting on set keeps the least recently set first.
  readonly #entries = new Map<string, Entry>();

  constructor(options: MemorySceneCacheOptions = {}) {
    this.#ttlMs = integerOption('sceneCache.ttlMs', options.ttlMs ?? SCENE_CACHE_TTL_MS, 1, 86_400_000);
    this.#maxEntries = integerOption('sceneCache.maxEntries', options.maxEntries ?? SCENE_CACHE_MAX_ENTRIES, 1, 10_000_000);
    this.#clock = options.clock ?? systemClock;
  }

  get size(): number {
    return this.#entries.size;
  }

  async get(session: string): Promise<SceneSnapshot | null> {
    const entry = this.#entries.get(session);
    if (entry === undefined) return null;
    if (this.#clock.now() >= entry.expiresAt) {
      this.#entries.delete(session);
      return null;
    }
    return entry.snapshot;
  }

  async set(session: string, snapshot: SceneSnapshot): Promise<void> {
    if (!checkSceneKey(session)) return;
    // Copied and checked: what is kept is never the caller's (mutable) object, and never out of bounds.
    const checked = checkSceneSnapshot({ turn: snapshot?.turn, summary: snapshot?.summary, momentum: snapshot?.momentum });
    if (checked === null) return;
    this.#entries.delete(session);
    this.#entries.set(session, { snapshot: Object.freeze(checked), expiresAt: this.#clock.now() + this.#ttlMs });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  async invalidate(session: string): Promise<void> {
    this.#entries.delete(session);
  }

  async close(): Promise<void> {
    this.#entries.clear();
  }
}
