import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StoreConflictError, type StateStore } from '../../runtime/index.js';

/**
 * What every StateStore must do, whatever its backend. An implementation's test file calls this
 * with a factory giving a fresh, empty store per test; the store is closed after each test.
 */
export function stateStoreContract(name: string, createStore: () => StateStore | Promise<StateStore>): void {
  describe(`StateStore contract: ${name}`, () => {
    async function withStore(body: (store: StateStore) => Promise<void>): Promise<void> {
      const store = await createStore();
      try {
        await body(store);
      } finally {
        await store.close();
      }
    }

    test('load of a state never saved resolves undefined', () =>
      withStore(async (store) => {
        assert.equal(await store.load('room', 'nowhere'), undefined);
      }));

    test('a first save expects version null; load returns the state with the version save returned', () =>
      withStore(async (store) => {
        const v1 = await store.save('room', 'a', { members: { p1: 'n1' }, seq: 3 }, null, 1);
        assert.equal(typeof v1, 'string');
        assert.deepEqual(await store.load('room', 'a'), { state: { members: { p1: 'n1' }, seq: 3 }, version: v1, epoch: 1 });
        const v2 = await store.save('room', 'a', { members: {}, seq: 4 }, v1, 1);
        assert.notEqual(v2, v1);
        assert.deepEqual(await store.load('room', 'a'), { state: { members: {}, seq: 4 }, version: v2, epoch: 1 });
      }));

    test('a save with a stale version throws StoreConflictError (GLASS_ERR_STORE_CONFLICT) and writes nothing', () =>
      withStore(async (store) => {
        const v1 = await store.save('session', 's', { turn: 1 }, null, 1);
        const v2 = await store.save('session', 's', { turn: 2 }, v1, 1);
        const conflict = (err: unknown): boolean => {
          assert.ok(err instanceof StoreConflictError);
          assert.equal(err.code, 'GLASS_ERR_STORE_CONFLICT');
          return true;
        };
        await assert.rejects(store.save('session', 's', { turn: 99 }, v1, 1), conflict);
        await assert.rejects(store.save('session', 's', { turn: 99 }, null, 1), conflict);
        await assert.rejects(store.save('session', 's', { turn: 99 }, 'not-a-version', 1), conflict);
        assert.deepEqual(await store.load('session', 's'), { state: { turn: 2 }, version: v2, epoch: 1 });
      }));

    test('a save that expects a version for a state never saved is a conflict', () =>
      withStore(async (store) => {
        await assert.rejects(store.save('session', 'fresh', { turn: 1 }, '1', 1), { code: 'GLASS_ERR_STORE_CONFLICT' });
        assert.equal(await store.load('session', 'fresh'), undefined);
      }));

    test('of two writers holding the same version, exactly one wins', () =>
      withStore(async (store) => {
        const v1 = await store.save('room', 'race', { by: 'nobody' }, null, 1);
        const results = await Promise.allSettled([
          store.save('room', 'race', { by: 'a' }, v1, 1),
          store.save('room', 'race', { by: 'b' }, v1, 1),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        assert.equal(won.length, 1);
        const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.equal(lost.reason.code, 'GLASS_ERR_STORE_CONFLICT');
        const stored = await store.load('room', 'race');
        assert.equal(stored?.version, (won[0] as PromiseFulfilledResult<string>).value);
        assert.equal((stored?.state as { by: string }).by, results[0].status === 'fulfilled' ? 'a' : 'b');
      }));

    test('snapshots do not alias live state: changing a saved or loaded object changes nothing stored', () =>
      withStore(async (store) => {
        const live = { members: { p1: 'n1' } as Record<string, string>, history: [{ seq: 1, text: 'hi' }] };
        const v1 = await store.save('room', 'alias', live, null, 1);
        live.members.p2 = 'n2';
        live.history[0].text = 'changed';
        live.history.push({ seq: 2, text: 'new' });
        const loaded = await store.load('room', 'alias');
        assert.deepEqual(loaded?.state, { members: { p1: 'n1' }, history: [{ seq: 1, text: 'hi' }] });
        (loaded!.state as typeof live).members.p3 = 'n3';
        (loaded!.state as typeof live).history.length = 0;
        assert.deepEqual((await store.load('room', 'alias'))?.state, { members: { p1: 'n1' }, history: [{ seq: 1, text: 'hi' }] });
        const a = await store.load('room', 'alias');
        const b = await store.load('room', 'alias');
        assert.notEqual(a!.state, b!.state);
        assert.equal(a!.version, v1);
      }));

    test('states are kept per kind and id', () =>
      withStore(async (store) => {
        await store.save('room', 'x', { which: 'room x' }, null, 1);
        await store.save('session', 'x', { which: 'session x' }, null, 1);
        await store.save('room', 'y', { which: 'room y' }, null, 1);
        assert.deepEqual((await store.load('room', 'x'))?.state, { which: 'room x' });
        assert.deepEqual((await store.load('session', 'x'))?.state, { which: 'session x' });
        assert.deepEqual((await store.load('room', 'y'))?.state, { which: 'room y' });
        assert.equal(await store.load('session', 'y'), undefined);
      }));

    test('plain data survives a round trip: nested objects, arrays, numbers, booleans, null, unicode', () =>
      withStore(async (store) => {
        const state = { n: 1.5, big: 2 ** 40, t: true, f: false, nil: null, s: 'héllo 🌍', list: [1, [2, { three: 3 }]], empty: {} };
        await store.save('room', 'data', state, null, 1);
        assert.deepEqual((await store.load('room', 'data'))?.state, state);
      }));

    test('a 1 MB state round-trips whole', () =>
      withStore(async (store) => {
        const state = { blob: 'x'.repeat(1024 * 1024), lines: Array.from({ length: 1000 }, (_, i) => ({ seq: i, text: `line ${i}` })) };
        const version = await store.save('room', 'big', state, null, 1);
        assert.deepEqual(await store.load('room', 'big'), { state, version, epoch: 1 });
      }));

    test('many concurrent saves, then loads, of distinct keys: each caller gets its own result', () =>
      withStore(async (store) => {
        const ids = Array.from({ length: 300 }, (_, i) => `c${i}`);
        const versions = await Promise.all(ids.map((id, i) => store.save('session', id, { i }, null, i + 1)));
        const loaded = await Promise.all([...ids, 'never-saved'].map((id) => store.load('session', id)));
        assert.deepEqual(
          loaded,
          [...ids.map((_, i) => ({ state: { i }, version: versions[i], epoch: i + 1 })), undefined],
        );
      }));

    test('saveText, where offered, is save given the texts: loads, versions, seqs and conflicts are the same', () =>
      withStore(async (store) => {
        if (store.saveText === undefined) return;
        const state = { turn: 2, lines: [{ seq: 1, text: 'é "quoted"' }] };
        const seqs = { 'n2/1': [4, 7, 9] };
        const v1 = await store.saveText('session', 't', JSON.stringify(state), null, 3, JSON.stringify(seqs));
        assert.deepEqual(await store.load('session', 't'), { state, version: v1, epoch: 3, seqs });
        const v2 = await store.save('session', 't', { turn: 3 }, v1, 3);
        await assert.rejects(store.saveText('session', 't', '{"turn":4}', v1, 3), StoreConflictError);
        const v3 = await store.saveText('session', 't', '{"turn":4}', v2, 3);
        assert.deepEqual(await store.load('session', 't'), { state: { turn: 4 }, version: v3, epoch: 3 });
      }));
  });
}

