// The `scene-cache` node service (ctx.service<SceneCache>('scene-cache')): with a Redis URL, the
// Redis cache shared by every node of the cluster (so an override's invalidation, done by the
// session wherever it lives, holds for all); without one (the embedded default), an in-process
// cache per worker. Built in each worker; the cluster key is the one the node resolves (given in
// the options, else GLASS_CLUSTER_KEY / its file, as cluster-key.ts reads them). Worker-safe.
import { SCENE_CACHE_TTL_MS, type SceneCache, type WorkerServiceInit } from '../../runtime/index.js';
import { clusterKeyFrom } from '../cluster-key.js';
import { Secret } from '../narrators/index.js';
import { MemorySceneCache } from './memory-scene-cache.js';
import { RedisSceneCache } from './redis-scene-cache.js';

export interface SceneCacheServiceOptions {
  /** Redis (REDIS_URL): a Secret, since it may hold a password; absent: the in-process cache. */
  redisUrl?: Secret | string;
  /** The cluster's key prefix (default `glass`). */
  prefix?: string;
  /** The cluster key's text (a Secret); default: resolved from the environment like the node's. */
  clusterKey?: Secret | string;
  /** Default 10 minutes. */
  ttlMs?: number;
  /** In-process only: sessions kept per worker. */
  maxEntries?: number;
}

export const SCENE_CACHE_MODULE = { module: import.meta.url, export: 'createSceneCacheService' } as const;

export function createSceneCacheService(init: WorkerServiceInit): SceneCache {
  return sceneCacheFrom((init.options ?? {}) as SceneCacheServiceOptions);
}

/** The cache the options describe (the service's value; tests and the bench build it directly). */
export function sceneCacheFrom(options: SceneCacheServiceOptions, env: NodeJS.ProcessEnv = process.env): SceneCache {
  const ttlMs = options.ttlMs ?? SCENE_CACHE_TTL_MS;
  const url = Secret.from(options.redisUrl);
  if (url === undefined) return new MemorySceneCache({ ttlMs, ...(options.maxEntries !== undefined && { maxEntries: options.maxEntries }) });
  const keyText = Secret.from(options.clusterKey);
  const clusterKey = clusterKeyFrom(keyText === undefined ? undefined : keyText.reveal(), env);
  return new RedisSceneCache({ redis: url.reveal(), prefix: options.prefix ?? 'glass', clusterKey, ttlMs });
}
