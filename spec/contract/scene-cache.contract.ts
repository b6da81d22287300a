import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { SCENE_SNAPSHOT_SUMMARY_LIMIT, type SceneCache, type SceneSnapshot } from '../../runtime/index.js';

/** What a test needs of one implementation: a fresh cache, and a way to make a session's entry outlive its TTL. */
export interface SceneCacheHarness {
  /** A cache with the given TTL (ms); all the caches of one harness share their backend (two nodes, one Redis). */
  create(ttlMs: number): SceneCache | Promise<SceneCache>;
  /**
   * Moves past the TTL of the session's entry, after checking that the backend will expire it
   * within `ttlMs` (the in-process cache: its injected clock; Redis: PTTL, then the key's expiry).
   */
  expire(cache: SceneCache, session: string, ttlMs: number): Promise<void>;
  /** Session ids unique to this run (the shared Redis holds other tests' keys). */
  session(name: string): string;
  /** Whether two caches of the harness share what they hold (Redis: yes; in-process: one per worker, no). */
  shared: boolean;
}

const snap = (turn: number, summary = `after turn ${turn}`, momentum = 0): SceneSnapshot => ({ turn, summary, momentum });

/** What every SceneCache must do (runtime/scene-cache.ts), whatever keeps it. */
export function sceneCacheContract(name: string, h: SceneCacheHarness): void {
  describe(`SceneCache contract: ${name}`, () => {
    const opened: SceneCache[] = [];
    const open = async (ttlMs = 600_000): Promise<SceneCache> => {
      const cache = await h.create(ttlMs);
      opened.push(cache);
      return cache;
    };
    after(() => Promise.all(opened.map((c) => c.close())));

    test('a session never set is a miss (null)', async () => {
      const cache = await open();
      assert.equal(await cache.get(h.session('never')), null);
    });

    test('get answers the last set of the session, exactly, and only for that session', async () => {
      const cache = await open();
      const a = h.session('a');
      const b = h.session('b');
      await cache.set(a, snap(1, 'The gate opens.', 1));
      await cache.set(a, snap(2, 'The gate opens. Guards come.', -2));
      await cache.set(b, snap(7));
      assert.deepEqual(await cache.get(a), snap(2, 'The gate opens. Guards come.', -2));
      assert.deepEqual(await cache.get(b), snap(7));
    });

    test('invalidate forgets the session (and only it); a later set is answered again', async () => {
      const cache = await open();
      const a = h.session('inv-a');
      const b = h.session('inv-b');
      await cache.set(a, snap(3));
      await cache.set(b, snap(4));
      await cache.invalidate(a);
      assert.equal(await cache.get(a), null);
      assert.deepEqual(await cache.get(b), snap(4));
      await cache.set(a, snap(5));
      assert.deepEqual(await cache.get(a), snap(5));
      await cache.invalidate(h.session('never-set'));
    });

    test('an entry past its TTL is a miss', async () => {
      const ttlMs = 60_000;
      const cache = await open(ttlMs);
      const a = h.session('ttl');
      await cache.set(a, snap(1));
      assert.deepEqual(await cache.get(a), snap(1));
      await h.expire(cache, a, ttlMs);
      assert.equal(await cache.get(a), null);
    });

    test('values out of bounds are not kept; what is answered is a copy, not the caller\'s object', async () => {
      const cache = await open();
      const a = h.session('bounds');
      for (const bad of [snap(-1), snap(1.5), snap(1, 'x'.repeat(SCENE_SNAPSHOT_SUMMARY_LIMIT + 1)), snap(1, 's', 4), snap(1, 's', Number.NaN), { turn: 1, summary: 's' } as SceneSnapshot]) {
        await cache.set(a, bad);
        assert.equal(await cache.get(a), null, JSON.stringify(bad));
      }
      const mine = { turn: 9, summary: 'kept', momentum: 1 };
      await cache.set(a, mine);
      mine.summary = 'changed after set';
      assert.deepEqual(await cache.get(a), snap(9, 'kept', 1));
      await cache.set('', snap(1));
      assert.equal(await cache.get(''), null);
    });

    test('two caches on one backend (two nodes on one Redis): an invalidation by one holds for the other', { skip: h.shared ? false : 'in-process: each worker has its own cache' }, async () => {
      const one = await open();
      const two = await open();
      const a = h.session('shared');
      await one.set(a, snap(1));
      await two.invalidate(a);
      assert.equal(await one.get(a), null);
    });
  });
}
