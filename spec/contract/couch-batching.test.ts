import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createCouchStateStore, type EmbeddedCouch } from '../../cluster/index.js';
import type { StateStore } from '../../runtime/index.js';
import { CountingProxy, dbNamer, startTestCouch } from './couch-harness.js';

// Requests are counted by a pass-through proxy between the store and the server.
describe('CouchStateStore coalesces the requests of one event-loop turn', () => {
  const nextDb = dbNamer('glass_batching');
  let couch: EmbeddedCouch;
  let stopCouch: () => Promise<void>;
  let proxy: CountingProxy;
  let store: StateStore;
  let db: string;

  before(async () => {
    ({ couch, stop: stopCouch } = await startTestCouch('couch-batching'));
    proxy = await CountingProxy.start(couch.url);
  });
  after(async () => {
    await proxy?.close();
    await stopCouch?.();
  });
  beforeEach(async () => {
    db = nextDb();
    store = createCouchStateStore({ url: proxy.url, db, maxBatch: 64 });
    // Creates the database, so that the counts below are of state requests only.
    await store.save('warm', 'up', {}, null, 1);
  });

  test('100 concurrent loads of distinct keys: one POST _all_docs per 64 keys, each caller gets its own', async () => {
    await Promise.all([store.save('room', 'k3', { n: 3 }, null, 1), store.save('room', 'k70', { n: 70 }, null, 1)]);
    const from = proxy.seen.length;
    const loaded = await Promise.all(Array.from({ length: 100 }, (_, i) => store.load('room', `k${i}`)));
    assert.deepEqual(proxy.since(from), [`POST /${db}/_all_docs`, `POST /${db}/_all_docs`]);
    assert.deepEqual(loaded[3]?.state, { n: 3 });
    assert.deepEqual(loaded[70]?.state, { n: 70 });
    assert.equal(loaded.filter((s) => s === undefined).length, 98);
  });

  test('loads of one key in one turn share a request but not their state objects', async () => {
    await store.save('room', 'same', { list: [1] }, null, 1);
    const from = proxy.seen.length;
    const [a, b] = await Promise.all([store.load('room', 'same'), store.load('room', 'same')]);
    assert.equal(proxy.since(from).length, 1);
    assert.deepEqual(a, b);
    assert.notEqual(a!.state, b!.state);
  });

  test('50 concurrent saves of distinct keys: one POST _bulk_docs, each caller gets its own _rev', async () => {
    const from = proxy.seen.length;
    const versions = await Promise.all(Array.from({ length: 50 }, (_, i) => store.save('session', `s${i}`, { i }, null, 1)));
    assert.deepEqual(proxy.since(from), [`POST /${db}/_bulk_docs`]);
    assert.ok(versions.every((v) => /^1-/.test(v)));
    const loaded = await Promise.all(Array.from({ length: 50 }, (_, i) => store.load('session', `s${i}`)));
    assert.deepEqual(
      loaded.map((s) => s?.version),
      versions,
    );
  });

  test('in one _bulk_docs, a conflict fails its own caller only', async () => {
    const v1 = await store.save('room', 'held', { v: 1 }, null, 1);
    await store.save('room', 'held', { v: 2 }, v1, 1);
    const from = proxy.seen.length;
    const results = await Promise.allSettled([
      store.save('room', 'fresh-1', {}, null, 1),
      store.save('room', 'held', { v: 'stale' }, v1, 1),
      store.save('room', 'fresh-2', {}, null, 1),
    ]);
    assert.deepEqual(proxy.since(from), [`POST /${db}/_bulk_docs`]);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? 'ok' : r.reason.code)),
      ['ok', 'GLASS_ERR_STORE_CONFLICT', 'ok'],
    );
  });

  test('two saves of one key in one turn go in two requests: the server decides which expectation holds', async () => {
    const v1 = await store.save('room', 'twice', { v: 1 }, null, 1);
    const v2 = await store.save('room', 'twice', { v: 2 }, v1, 1);
    const from = proxy.seen.length;
    // The first expects a stale version, the second the current one: rejecting the second on the
    // client because "the key is already in this batch" would fence the wrong writer.
    const [stale, current] = await Promise.allSettled([
      store.save('room', 'twice', { v: 'stale' }, v1, 1),
      store.save('room', 'twice', { v: 3 }, v2, 1),
    ]);
    assert.deepEqual(proxy.since(from), [`POST /${db}/_bulk_docs`, `POST /${db}/_bulk_docs`]);
    assert.equal(stale.status === 'rejected' && stale.reason.code, 'GLASS_ERR_STORE_CONFLICT');
    assert.equal(current.status, 'fulfilled');
    assert.deepEqual((await store.load('room', 'twice'))?.state, { v: 3 });
  });

  test('a lone load (one key in its turn) is a GET of its document, cheaper than _all_docs', async () => {
    await store.save('room', 'alone', { n: 1 }, null, 1);
    const from = proxy.seen.length;
    assert.deepEqual((await store.load('room', 'alone'))?.state, { n: 1 });
    assert.equal(await store.load('room', 'nobody'), undefined);
    assert.deepEqual(proxy.since(from), [`GET /${db}/room%3Aalone`, `GET /${db}/room%3Anobody`]);
  });

  test('a lone load on a database not created yet creates it and finds nothing', async () => {
    const fresh = createCouchStateStore({ url: proxy.url, db: nextDb() });
    assert.equal(await fresh.load('room', 'first'), undefined);
    await fresh.close();
  });
});
