import { Redis } from 'ioredis';
import { DEFAULT_REDIS_URL } from '../../cluster/index.js';

/** The machine's Redis, shared with everything else: tests only add and delete their own keys. */
export const SHARED_REDIS_URL = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;

/** A prefix no other test file (or run) uses, so tests never see each other's streams. */
export function uniquePrefix(name: string): string {
  return `glass-test-${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export { OwnRedisServer } from '../fixtures/redis-server.js';
