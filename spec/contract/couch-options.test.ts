import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCouchStateStore, redactCredentials, type CouchStateStoreOptions } from '../../cluster/index.js';

const url = 'http://127.0.0.1:5984';

// One row per guard: the option it names and a value it refuses.
const INVALID: [string, unknown][] = [
  ['', null],
  ['url', { url: 42 }],
  ['url', { url: 'not a url' }],
  ['url', { url: 'ftp://127.0.0.1/' }],
  ['url', { url: 'http://127.0.0.1:5984/?x=1' }],
  ['db', { url, db: 'Upper' }],
  ['db', { url, db: '_users' }],
  ['db', { url, db: '' }],
  ['retry', { url, retry: 5 }],
  ['retry.initialDelayMs', { url, retry: { initialDelayMs: 0 } }],
  ['retry.initialDelayMs', { url, retry: { initialDelayMs: 1.5 } }],
  ['retry.maxTotalMs', { url, retry: { maxTotalMs: -1 } }],
  ['requestTimeoutMs', { url, requestTimeoutMs: 0 }],
  ['requestTimeoutMs', { url, requestTimeoutMs: '5000' }],
  ['maxBatch', { url, maxBatch: 0 }],
  ['maxBatch', { url, maxBatch: 1e6 }],
];

test('createCouchStateStore refuses each invalid option with GLASS_ERR_INVALID_OPTION naming it', () => {
  for (const [option, options] of INVALID) {
    assert.throws(
      () => createCouchStateStore(options as CouchStateStoreOptions),
      (err: { code?: string; details?: { option?: string } }) => err.code === 'GLASS_ERR_INVALID_OPTION' && err.details?.option === option,
      `${option}: ${JSON.stringify(options)}`,
    );
  }
});

test('valid options build a store without contacting the server', async () => {
  const store = createCouchStateStore({ url: 'https://u:p@couch.example:6984/prefix/', db: 'glass_actors-2', retry: { maxTotalMs: 0 }, requestTimeoutMs: 10, maxBatch: 1 });
  await store.close();
});

test('redactCredentials hides user and password in every URL of a text', () => {
  assert.equal(
    redactCredentials('GET http://admin:p%40ss@127.0.0.1:5984/db failed; see https://u:x@h/'),
    'GET http://***@127.0.0.1:5984/db failed; see https://***@h/',
  );
  assert.equal(redactCredentials('http://127.0.0.1:5984/db'), 'http://127.0.0.1:5984/db');
});
