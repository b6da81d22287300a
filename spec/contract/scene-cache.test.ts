// The SceneCache contract against both implementations: the in-process cache on a ManualClock, and
// the Redis cache on the shared Redis under a prefix of its own; then what only Redis needs: what is
// read back is verified (MAC with the cluster key, bounds), so a value written without the key,
// copied from another session, tampered with or oversized is a miss.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { ClusterKey, MemorySceneCache, RedisSceneCache, SCENE_VALUE_MAX_BYTES } from '../../cluster/index.js';
import { ManualClock, type SceneCache } from '../../runtime/index.js';
import { sceneCacheContract } from './scene-cache.contract.js';
import { SHARED_REDIS_URL, deleteKeys, uniquePrefix } from './transport-redis-server.js';

const clock = new ManualClock(1_000);
let memorySessions = 0;
sceneCacheContract('MemorySceneCache (ManualClock)', {
  create: (ttlMs) => new MemorySceneCache({ ttlMs, clock }),
  expire: async (_cache, _session, ttlMs) => {
    clock.advance(ttlMs - 1);
    clock.advance(1);
  },
  session: (name) => `mem-${name}-${++memorySessions}`,
  shared: false,
});

const prefix = uniquePrefix('scene');
const admin = new Redis(SHARED_REDIS_URL);
const key = new ClusterKey(Buffer.from('scene-cache-contract-key-0123456789abcdef'));
after(async () => {
  await deleteKeys(SHARED_REDIS_URL, prefix);
  await admin.quit();
});
let redisSessions = 0;
const redisKey = (session: string): string => `${prefix}:scene:${session}`;

sceneCacheContract('RedisSceneCache (real Redis, unique prefix)', {
  create: (ttlMs) => new RedisSceneCache({ redis: SHARED_REDIS_URL, prefix, clusterKey: key, ttlMs }),
  expire: async (_cache, session, ttlMs) => {
    const pttl = await admin.pttl(redisKey(session));
    assert.ok(pttl > 0 && pttl <= ttlMs, `Redis expires the entry within its TTL (PTTL ${pttl})`);
    // Its expiry brought forward to now: what Redis does when the TTL runs out.
    await admin.pexpire(redisKey(session), 0);
  },
  session: (name) => `redis-${name}-${++redisSessions}`,
  shared: true,
});

describe('RedisSceneCache: what is read back is verified', () => {
  const caches: SceneCache[] = [];
  after(() => Promise.all(caches.map((c) => c.close())));
  const open = (clusterKey = key): RedisSceneCache => {
    const cache = new RedisSceneCache({ redis: SHARED_REDIS_URL, prefix, clusterKey, ttlMs: 600_000 });
    caches.push(cache);
    return cache;
  };
  const good = { turn: 3, summary: 'The bridge holds.', momentum: 1 };

  test('a well-formed value written without the cluster key (or with another key) is a miss, counted', async () => {
    const cache = open();
    const other = open(new ClusterKey(Buffer.from('another-cluster-key-0123456789abcdefgh')));
    await other.set('forged-1', good);
    assert.equal(await cache.get('forged-1'), null);
    await admin.set(redisKey('forged-2'), JSON.stringify({ v: 1, scene: JSON.stringify(good), mac: Buffer.alloc(32).toString('base64') }));
    assert.equal(await cache.get('forged-2'), null);
    assert.equal(cache.rejected, 2);
    assert.deepEqual(await other.get('forged-1'), good, 'the writer with its own key reads it');
  });

  test("a value copied from another session's key does not verify (the MAC covers the key)", async () => {
    const cache = open();
    await cache.set('copy-src', good);
    await admin.set(redisKey('copy-dst'), (await admin.get(redisKey('copy-src')))!);
    assert.deepEqual(await cache.get('copy-src'), good);
    assert.equal(await cache.get('copy-dst'), null);
  });

  test('tampered, malformed or oversized values are misses, never thrown', async () => {
    const cache = open();
    await cache.set('tamper', good);
    const stored = JSON.parse((await admin.get(redisKey('tamper')))!) as { scene: string };
    stored.scene = JSON.stringify({ ...good, momentum: -3 });
    const cases = [JSON.stringify(stored), 'not json', 'null', '[]', JSON.stringify({ v: 2, scene: '{}', mac: '' }), 'x'.repeat(SCENE_VALUE_MAX_BYTES + 1)];
    for (const [i, raw] of cases.entries()) {
      await admin.set(redisKey(`bad-${i}`), raw);
      assert.equal(await cache.get(`bad-${i}`), null, raw.slice(0, 40));
    }
    // A hash where a string is expected (WRONGTYPE) is a miss too.
    await admin.hset(redisKey('bad-type'), 'a', '1');
    assert.equal(await cache.get('bad-type'), null);
  });

  test('Redis unreachable: get is a miss; set and invalidate reject (the caller goes without)', async () => {
    const cache = new RedisSceneCache({ redis: 'redis://127.0.0.1:1', prefix, clusterKey: key });
    caches.push(cache);
    assert.equal(await cache.get('away'), null);
    await assert.rejects(cache.set('away', good));
    await assert.rejects(cache.invalidate('away'));
  });
});

describe('MemorySceneCache: bounded', () => {
  test('past maxEntries the least recently set session goes; options are guarded', async () => {
    const cache = new MemorySceneCache({ maxEntries: 2, clock });
    await cache.set('a', { turn: 1, summary: 'a', momentum: 0 });
    await cache.set('b', { turn: 1, summary: 'b', momentum: 0 });
    await cache.set('a', { turn: 2, summary: 'a2', momentum: 0 });
    await cache.set('c', { turn: 1, summary: 'c', momentum: 0 });
    assert.equal(cache.size, 2);
    assert.equal(await cache.get('b'), null);
    assert.deepEqual(await cache.get('a'), { turn: 2, summary: 'a2', momentum: 0 });
    assert.throws(() => new MemorySceneCache({ maxEntries: 0 }), { code: 'GLASS_ERR_INVALID_OPTION' });
    assert.throws(() => new MemorySceneCache({ ttlMs: -1 }), { code: 'GLASS_ERR_INVALID_OPTION' });
  });
});
