import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCouchStateStore, startEmbeddedCouch, type EmbeddedCouch } from '../../cluster/index.js';
import { StoreUnavailableError, type StateStore } from '../../runtime/index.js';
import { CountingProxy, dbNamer, tempDataDir } from './couch-harness.js';

const nextDb = dbNamer('glass_outage');
const FAST_RETRY = { initialDelayMs: 10, maxTotalMs: 200 };

function unavailable(err: unknown): boolean {
  assert.ok(err instanceof StoreUnavailableError);
  assert.equal(err.code, 'GLASS_ERR_STORE_FAILED');
  assert.ok(err.cause instanceof Error, 'the HTTP failure is kept as cause');
  return true;
}

describe('CouchStateStore when the server fails', () => {
  const dir = tempDataDir('couch-outage');
  let couch: EmbeddedCouch;
  let proxy: CountingProxy;
  const stores: StateStore[] = [];
  const open = (url: string, options: object = {}): StateStore => {
    const store = createCouchStateStore({ url, db: nextDb(), retry: FAST_RETRY, requestTimeoutMs: 1_000, ...options });
    stores.push(store);
    return store;
  };

  before(async () => {
    couch = await startEmbeddedCouch({ dataDir: dir.path });
    proxy = await CountingProxy.start(couch.url);
  });
  after(async () => {
    await Promise.allSettled(stores.map((s) => s.close()));
    await proxy?.close();
    await couch?.close();
    dir.remove();
  });

  test('5xx, 408 and 429 are retried with backoff, then the request goes through', async () => {
    const store = open(proxy.url);
    await store.save('warm', 'up', {}, null, 1);
    proxy.faults.push({ status: 503 }, { status: 429 }, { status: 408 });
    const from = proxy.seen.length;
    const version = await store.save('room', 'retried', { ok: 1 }, null, 1);
    assert.equal(proxy.since(from).length, 4);
    assert.equal((await store.load('room', 'retried'))?.version, version);
  });

  test('other 4xx are not retried: one request, GLASS_ERR_STORE_FAILED', async () => {
    const store = open(proxy.url);
    await store.save('warm', 'up', {}, null, 1);
    proxy.faults.push({ status: 403 });
    const from = proxy.seen.length;
    await assert.rejects(store.load('room', 'forbidden'), unavailable);
    assert.equal(proxy.since(from).length, 1);
  });

  test('a save applied by an attempt whose answer was lost is not taken for a conflict on retry', async () => {
    const store = open(proxy.url);
    await store.save('warm', 'up', {}, null, 1);
    proxy.faults.push('applied-then-503');
    const version = await store.save('room', 'lost-answer', { n: 1 }, null, 1);
    assert.deepEqual(await store.load('room', 'lost-answer'), { state: { n: 1 }, version, epoch: 1 });
  });

  test('a request with no answer times out (requestTimeoutMs) and fails after the retry budget', async () => {
    const store = open(proxy.url, { requestTimeoutMs: 100, retry: { initialDelayMs: 10, maxTotalMs: 0 } });
    proxy.faults.push('stall');
    const started = performance.now();
    await assert.rejects(store.load('room', 'stalled'), unavailable);
    // Bounded, not fast: the ceiling only catches a store that keeps retrying (a loaded CI machine
    // must not turn it into a timing test).
    assert.ok(performance.now() - started < 10_000);
  });

  test('server down: rejects within the retry budget; restarted on the same dataDir and port, the data is there', async () => {
    const store = open(couch.url);
    const v1 = await store.save('room', 'kept', { history: ['hello'] }, null, 1);
    const port = couch.port;
    await couch.close();

    let started = performance.now();
    await assert.rejects(store.save('room', 'kept', { history: ['lost'] }, v1, 2), unavailable);
    const saveMs = performance.now() - started;
    started = performance.now();
    await assert.rejects(store.load('room', 'kept'), unavailable);
    const loadMs = performance.now() - started;
    // The budget (200 ms) bounds when the last retry may start; connection refusals are immediate.
    // At least the first backoff shows it retried; the ceiling only catches endless retrying.
    assert.ok(saveMs >= 50 && saveMs < 10_000, `save gave up after ${saveMs} ms`);
    assert.ok(loadMs >= 50 && loadMs < 10_000, `load gave up after ${loadMs} ms`);

    couch = await startEmbeddedCouch({ dataDir: dir.path, port });
    assert.deepEqual(await store.load('room', 'kept'), { state: { history: ['hello'] }, version: v1, epoch: 1 });
    const v2 = await store.save('room', 'kept', { history: ['hello', 'again'] }, v1, 2);
    assert.equal((await store.load('room', 'kept'))?.version, v2);
  });

  test('credentials in the URL appear in no error', async () => {
    const store = open('http://glass:s3cret-pw@127.0.0.1:1', { retry: { initialDelayMs: 1, maxTotalMs: 0 } });
    const err = await store.load('room', 'x').then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e as Error,
    );
    let text = '';
    for (let e: unknown = err; e instanceof Error; e = e.cause) text += `${e.message} ${JSON.stringify(e)} ${e.stack ?? ''}`;
    assert.doesNotMatch(text, /s3cret-pw/);
    assert.throws(() => createCouchStateStore({ url: 'ftp://glass:s3cret-pw@host/' }), (e: Error) => !e.message.includes('s3cret-pw'));
  });
});
