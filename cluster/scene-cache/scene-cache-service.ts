// The `scene-cache` node service (ctx.service<SceneCache>('scene-cache')): with a Redis URL, the
// Redis cache shared by every node of the cluster (so an override's invalidation, done by the
// session wherever it lives, holds for all); without one (the embedded default), an in-process
// cache per worker. Built in each worker; the cluster key is the one the node resolves (given in
// the options, else GLASS_CLUSTER_KEY / its file, as cluster-key.ts reads them). Worker-safe.
// The Redis part (ioredis) is imported only when a URL is given: a worker on the embedded default,
// and a replacement worker coming back inside a resume window, do not pay for it.
import { SCENE_CACHE_TTL_MS, type SceneCache, type WorkerServiceInit } from '../../runtime/index.js';
import type { Secret } from '../narrators/index.js';
import { MemorySceneCache } from './memory-scene-cache.js';

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

export function createSceneCacheService(init: WorkerServiceInit): Promise<SceneCache> {
  return sceneCacheFrom((init.options ?? {}) as SceneCacheServiceOptions);
}

/** The cache the options describe (the service's value; tests and the bench build it directly). */
export async function sceneCacheFrom(options: SceneCacheServiceOptions, env: NodeJS.ProcessEnv = process.env): Promise<SceneCache> {
  const ttlMs = options.ttlMs ?? SCENE_CACHE_TTL_MS;
  const url = secretText(options.redisUrl);
  if (url === undefined) return new MemorySceneCache({ ttlMs, ...(options.maxEntries !== undefined && { maxEntries: options.maxEntries }) });
  const [{ clusterKeyFrom }, { RedisSceneCache }] = await Promise.all([import('../cluster-key.js'), import('./redis-scene-cache.js')]);
  const clusterKey = clusterKeyFrom(secretText(options.clusterKey), env);
  return new RedisSceneCache({ redis: url, prefix: options.prefix ?? 'glass', clusterKey, ttlMs });
}

/**
 * The text of a string or of a Secret — also of the plain `{ value }` a structured clone leaves of
 * one. Read here, not through Secret.from: the narrators' entry would load every provider's SDK into
 * each worker (the type import above costs nothing at run time).
 */
function secretText(input: Secret | string | undefined): string | undefined {
  const value = typeof input === 'string' ? input : (input as { value?: unknown } | undefined)?.value;
  return typeof value === 'string' && value !== '' ? value : undefined;
}
