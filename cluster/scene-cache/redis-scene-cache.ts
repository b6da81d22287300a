// The Redis SceneCache: one key per session, `<prefix>:scene:<session>`, written with SET … PX (the
// TTL is Redis's), deleted by `invalidate`. Redis is outside the trust boundary (cluster-key.ts):
// each value carries an HMAC-SHA256 with the cluster key over the key it was written under and the
// snapshot, and what is read back is size-checked, parsed, MAC-verified and schema-checked
// (checkSceneSnapshot) before use; anything else is a miss, counted in `rejected`. A MAC rather
// than a schema check alone: a well-formed value someone else wrote (or one copied from another
// session's key) would pass a schema and steer the next prompt; without the key it cannot be made.
import { Redis } from 'ioredis';
import { checkSceneKey, checkSceneSnapshot, integerOption, SCENE_CACHE_TTL_MS, type SceneCache, type SceneSnapshot } from '../../runtime/index.js';
import type { ClusterKey } from '../cluster-key.js';
import { openRedis } from '../redis-connection.js';

/** Bound on a value read back: a snapshot's JSON is well under it (1,000-character summary). */
export const SCENE_VALUE_MAX_BYTES = 8_192;
const MAC_CONTEXT = 'glass-scene-cache-v1';

export interface RedisSceneCacheOptions {
  /** A redis:// or rediss:// URL, or a client the caller owns (not closed by close()). */
  redis: string | Redis;
  /** Key prefix, e.g. the cluster's (`glass`): keys are `<prefix>:scene:<session>`. */
  prefix: string;
  clusterKey: ClusterKey;
  /** Default SCENE_CACHE_TTL_MS (10 minutes). */
  ttlMs?: number;
}

export class RedisSceneCache implements SceneCache {
  readonly #redis: Redis;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #key: ClusterKey;
  readonly #ttlMs: number;
  #rejected = 0;

  constructor(options: RedisSceneCacheOptions) {
    if (typeof options.prefix !== 'string' || options.prefix === '' || options.prefix.length > 64) throw new TypeError('sceneCache.prefix must be 1 to 64 characters');
    this.#prefix = options.prefix;
    this.#key = options.clusterKey;
    this.#ttlMs = integerOption('sceneCache.ttlMs', options.ttlMs ?? SCENE_CACHE_TTL_MS, 1, 86_400_000);
    this.#owned = typeof options.redis === 'string';
    // A cache does not wait long for Redis: a command is retried once after a reconnect, then fails and the caller goes without.
    this.#redis = typeof options.redis === 'string' ? openRedis(options.redis, { lazyConnect: true, enableOfflineQueue: true, maxRetriesPerRequest: 1 }) : options.redis;
  }

  /** Values read back and refused (too large, not JSON, a bad MAC, out of bounds). */
  get rejected(): number {
    return this.#rejected;
  }

  async get(session: string): Promise<SceneSnapshot | null> {
    if (!checkSceneKey(session)) return null;
    const key = this.#keyOf(session);
    let raw: string | null;
    try {
      raw = await this.#redis.get(key);
    } catch {
      return null;
    }
    if (raw === null) return null;
    const snapshot = this.#verified(key, raw);
    if (snapshot === null) this.#rejected++;
    return snapshot;
  }

  async set(session: string, snapshot: SceneSnapshot): Promise<void> {
    if (!checkSceneKey(session)) return;
    const checked = checkSceneSnapshot({ turn: snapshot?.turn, summary: snapshot?.summary, momentum: snapshot?.momentum });
    if (checked === null) return;
    const key = this.#keyOf(session);
    const body = JSON.stringify(checked);
    const value = JSON.stringify({ v: 1, scene: body, mac: this.#key.mac(MAC_CONTEXT, key, body).toString('base64') });
    await this.#redis.set(key, value, 'PX', this.#ttlMs);
  }

  async invalidate(session: string): Promise<void> {
    if (!checkSceneKey(session)) return;
    await this.#redis.del(this.#keyOf(session));
  }

  async close(): Promise<void> {
    if (!this.#owned) return;
    // Never connected (lazy): nothing to say goodbye to, and no reason to connect now.
    if (this.#redis.status === 'wait') return void this.#redis.disconnect();
    try {
      await this.#redis.quit();
    } catch {
      this.#redis.disconnect();
    }
  }

  #keyOf(session: string): string {
    return `${this.#prefix}:scene:${session}`;
  }

  #verified(key: string, raw: string): SceneSnapshot | null {
    if (raw.length > SCENE_VALUE_MAX_BYTES) return null;
    let outer: unknown;
    try {
      outer = JSON.parse(raw);
    } catch {
      return null;
    }
    if (outer === null || typeof outer !== 'object') return null;
    const { v, scene, mac } = outer as { v?: unknown; scene?: unknown; mac?: unknown };
    if (v !== 1 || typeof scene !== 'string' || typeof mac !== 'string') return null;
    // The MAC binds the value to its key: a value copied from another session's key does not verify.
    if (!this.#key.verify(Buffer.from(mac, 'base64'), MAC_CONTEXT, key, scene)) return null;
    try {
      return checkSceneSnapshot(JSON.parse(scene));
    } catch {
      return null;
    }
  }
}
