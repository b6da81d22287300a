import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCouchStateStore, type EmbeddedCouch } from '../../cluster/index.js';
import { StoreConflictError, type StateStore } from '../../runtime/index.js';
import { dbNamer, dropDatabases, startTestCouch } from './couch-harness.js';
import { stateStoreContract } from './state-store.contract.js';

const COUCHDB_URL = process.env.COUCHDB_URL;
const nextDb = dbNamer('glass_contract');

let couch: EmbeddedCouch;
let stopCouch: (() => Promise<void>) | undefined;

before(async () => {
  ({ couch, stop: stopCouch } = await startTestCouch('couch-contract'));
});
after(() => stopCouch?.());

// Every test of the contract gets a database of its own: an empty store.
stateStoreContract('CouchStateStore over HTTP (embedded server)', () => createCouchStateStore({ url: couch.url, db: nextDb() }));

describe('CouchStateStore against a real CouchDB', { skip: COUCHDB_URL === undefined ? 'COUCHDB_URL is not set (e.g. http://admin:secret@127.0.0.1:5984)' : false }, () => {
  const created: string[] = [];
  after(() => dropDatabases(COUCHDB_URL!, created));
  stateStoreContract('CouchStateStore (COUCHDB_URL)', () => {
    const db = nextDb();
    created.push(db);
    return createCouchStateStore({ url: COUCHDB_URL!, db });
  });
});

describe('CouchStateStore on a CouchDB server', () => {
  const stores: StateStore[] = [];
  const open = (db: string): StateStore => {
    const store = createCouchStateStore({ url: couch.url, db });
    stores.push(store);
    return store;
  };
  after(() => Promise.all(stores.map((s) => s.close())));

  test('the document is { kind, id, state, epoch, savedAt } under _id kind:id, version = _rev', async () => {
    const db = nextDb();
    const store = open(db);
    const version = await store.save('session', 'p:1', { turn: 7 }, null, 3);
    const res = await fetch(`${couch.url}/${db}/${encodeURIComponent('session:p:1')}`);
    const doc = (await res.json()) as Record<string, unknown>;
    assert.equal(doc._rev, version);
    assert.deepEqual([doc.kind, doc.id, doc.state, doc.epoch], ['session', 'p:1', { turn: 7 }, 3]);
    assert.ok(!Number.isNaN(Date.parse(doc.savedAt as string)));
  });

  test('two activations (two store instances on one db): the stale one is fenced off, nothing overwritten', async () => {
    const db = nextDb();
    const first = open(db);
    const second = open(db);
    const v1 = await first.save('room', 'fence', { owner: 'first' }, null, 1);
    // The second activation loads what the first saved and writes with the next epoch.
    const loaded = await second.load('room', 'fence');
    const v2 = await second.save('room', 'fence', { owner: 'second' }, loaded!.version, loaded!.epoch + 1);
    await assert.rejects(first.save('room', 'fence', { owner: 'first again' }, v1, 1), (err: unknown) => err instanceof StoreConflictError);
    assert.deepEqual(await first.load('room', 'fence'), { state: { owner: 'second' }, version: v2, epoch: 2 });
  });

  test('a first save races a first save from another instance: exactly one wins', async () => {
    const db = nextDb();
    const [a, b] = [open(db), open(db)];
    const results = await Promise.allSettled([a.save('room', 'new', { by: 'a' }, null, 1), b.save('room', 'new', { by: 'b' }, null, 1)]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    assert.equal((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason.code, 'GLASS_ERR_STORE_CONFLICT');
  });

  test('the database is created on first use, also by several stores at once', async () => {
    const db = nextDb();
    const stores = Array.from({ length: 4 }, () => open(db));
    const versions = await Promise.all(stores.map((s, i) => s.save('room', `r${i}`, { i }, null, 1)));
    assert.ok(versions.every((v) => typeof v === 'string'));
    for (let i = 0; i < 4; i++) assert.deepEqual((await stores[(i + 1) % 4].load('room', `r${i}`))?.state, { i });
  });

  test('a state JSON cannot hold (a BigInt) fails that save alone with GLASS_ERR_STORE_FAILED', async () => {
    const store = open(nextDb());
    const bad = store.save('room', 'bad', { n: 1n }, null, 1);
    const good = store.save('room', 'good', { n: 1 }, null, 1);
    await assert.rejects(bad, { code: 'GLASS_ERR_STORE_FAILED' });
    assert.equal(typeof (await good), 'string');
  });

  test('after close, load and save reject with GLASS_ERR_STORE_FAILED', async () => {
    const store = createCouchStateStore({ url: couch.url, db: nextDb() });
    const pending = store.save('room', 'last', { ok: true }, null, 1);
    await store.close();
    assert.equal(typeof (await pending), 'string', 'a save asked for before close() completes');
    await assert.rejects(store.load('room', 'last'), { code: 'GLASS_ERR_STORE_FAILED' });
    await assert.rejects(store.save('room', 'last', {}, null, 1), { code: 'GLASS_ERR_STORE_FAILED' });
  });
});
