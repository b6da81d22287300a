// The SceneCache seam: a session's last-scene summary and momentum, kept for a while so that a turn
// does not derive (with an LLM summariser: re-prompt for) them again. Worker-safe, no I/O here:
// the in-process and the Redis implementations are in cluster/scene-cache/, and one contract suite
// (spec/contract/scene-cache.contract.ts) runs against both.
//
// The contract: `get` answers what the last `set` of the session stored, until its TTL has passed
// or an `invalidate` of the session came after it (then null). A cache is an optimisation: every
// operation may lose its entry (null from `get`), none may answer a value that was not set for that
// session, nor one set before the session's last `invalidate`.

/** What the cache holds for a session: the scene as of turn `turn` (the turn whose commit made it). */
export interface SceneSnapshot {
  /** The committed turn this scene is the result of (0: the session's first scene). */
  readonly turn: number;
  readonly summary: string;
  /** -3 … +3. */
  readonly momentum: number;
}

export interface SceneCache {
  /** The session's snapshot, or null (never set, expired, invalidated, evicted — or, from Redis, not one this cluster wrote). */
  get(session: string): Promise<SceneSnapshot | null>;
  /** Stores the session's snapshot (replacing any), for the cache's TTL. */
  set(session: string, snapshot: SceneSnapshot): Promise<void>;
  /** Forgets the session's snapshot: a moderator's override may have made it wrong. */
  invalidate(session: string): Promise<void>;
  close(): Promise<void>;
}

/** The seed's TTL (DES-19, "Caching"): ten minutes. */
export const SCENE_CACHE_TTL_MS = 600_000;
/** Sessions an in-process cache holds before it evicts the least recently set. */
export const SCENE_CACHE_MAX_ENTRIES = 10_000;
/** The longest summary a snapshot carries (the scene's own bound, actors/session/scene.ts SCENE_SUMMARY_LIMIT). */
export const SCENE_SNAPSHOT_SUMMARY_LIMIT = 1_000;
/** Momentum's range (actors/session/scene-update.ts). */
export const SCENE_SNAPSHOT_MOMENTUM_LIMIT = 3;
/** The node service actors reach a SceneCache through (ctx.service). */
export const SCENE_CACHE_SERVICE = 'scene-cache';

/**
 * `value` as a SceneSnapshot if it is one (exact fields, a turn that is a safe non-negative
 * integer, a bounded summary, a momentum in range), else null. What comes back from outside the
 * process (Redis) passes here before anything uses it.
 */
export function checkSceneSnapshot(value: unknown): SceneSnapshot | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v);
  if (keys.length !== 3 || !keys.every((k) => k === 'turn' || k === 'summary' || k === 'momentum')) return null;
  const { turn, summary, momentum } = v;
  if (typeof turn !== 'number' || !Number.isSafeInteger(turn) || turn < 0) return null;
  if (typeof summary !== 'string' || summary.length > SCENE_SNAPSHOT_SUMMARY_LIMIT) return null;
  if (typeof momentum !== 'number' || !Number.isFinite(momentum) || Math.abs(momentum) > SCENE_SNAPSHOT_MOMENTUM_LIMIT) return null;
  return { turn, summary, momentum };
}

/** A session id a cache accepts as a key: what the protocol's ids are (1–128 characters), never empty. */
export function checkSceneKey(session: unknown): session is string {
  return typeof session === 'string' && session.length > 0 && session.length <= 128;
}
