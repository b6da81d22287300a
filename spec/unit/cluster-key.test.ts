import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ClusterKey, ClusterKeyErrors, MEMORY_STORE, clusterKeyFrom, resolveClusterKey, startClusterNode } from '../../cluster/index.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'glass-cluster-key-'));
const LONG = 'k'.repeat(40);
const refused = { code: ClusterKeyErrors.CLUSTER_KEY };

test('GLASS_CLUSTER_KEY is taken when it has 32 characters or more, refused when shorter', () => {
  const file = join(dir(), 'none');
  assert.equal(resolveClusterKey({ GLASS_CLUSTER_KEY: LONG, GLASS_CLUSTER_KEY_FILE: file, GLASS_TOKEN_SECRET_FILE: file }).source, 'env');
  assert.throws(() => resolveClusterKey({ GLASS_CLUSTER_KEY: 'short', GLASS_TOKEN_SECRET_FILE: file }), refused);
});

test('without GLASS_CLUSTER_KEY a 0600 file is made once and read again', () => {
  const d = dir();
  const env = { GLASS_CLUSTER_KEY_FILE: join(d, 'sub', 'cluster-key'), GLASS_TOKEN_SECRET_FILE: join(d, 'token') };
  const first = resolveClusterKey(env);
  assert.equal(first.source, 'generated');
  assert.equal(statSync(env.GLASS_CLUSTER_KEY_FILE).mode & 0o777, 0o600);
  const again = resolveClusterKey(env);
  assert.equal(again.source, 'file');
  assert.deepEqual(again.mac('x'), first.mac('x'));
  assert.ok(readFileSync(env.GLASS_CLUSTER_KEY_FILE, 'utf8').trim().length >= 32);
});

test('a key file others can read, or a short one, is refused', () => {
  const d = dir();
  const file = join(d, 'cluster-key');
  writeFileSync(file, LONG, { mode: 0o644 });
  chmodSync(file, 0o644);
  assert.throws(() => resolveClusterKey({ GLASS_CLUSTER_KEY_FILE: file, GLASS_TOKEN_SECRET_FILE: join(d, 't') }), refused);
  chmodSync(file, 0o600);
  writeFileSync(file, 'short');
  assert.throws(() => resolveClusterKey({ GLASS_CLUSTER_KEY_FILE: file, GLASS_TOKEN_SECRET_FILE: join(d, 't') }), refused);
});

test('the cluster key equal to the token key (env or file) is refused', () => {
  const d = dir();
  assert.throws(() => resolveClusterKey({ GLASS_CLUSTER_KEY: LONG, GLASS_TOKEN_SECRET: LONG }), refused);
  const token = join(d, 'token-secret');
  writeFileSync(token, `${LONG}\n`, { mode: 0o600 });
  assert.throws(() => resolveClusterKey({ GLASS_CLUSTER_KEY: LONG, GLASS_TOKEN_SECRET_FILE: token }), refused);
  assert.throws(() => clusterKeyFrom(LONG, { GLASS_TOKEN_SECRET: LONG }), refused);
  assert.equal(resolveClusterKey({ GLASS_CLUSTER_KEY: LONG, GLASS_TOKEN_SECRET: 't'.repeat(40) }).source, 'env');
});

test('the key never shows in JSON or inspect; MACs verify only with the same key and parts', () => {
  const key = new ClusterKey(Buffer.from(LONG));
  assert.ok(!JSON.stringify(key).includes(LONG));
  assert.ok(!inspect(key, { showHidden: true }).includes(LONG));
  const mac = key.mac('a', 'bc');
  assert.ok(key.verify(mac, 'a', 'bc'));
  assert.ok(!key.verify(mac, 'ab', 'c'), 'parts are length-prefixed');
  assert.ok(!new ClusterKey(Buffer.from('x'.repeat(40))).verify(mac, 'a', 'bc'));
  assert.ok(!key.verify(mac.subarray(0, 16), 'a', 'bc'));
  assert.ok(!key.verify(undefined, 'a', 'bc'));
});

test('a cluster node without a usable key, or with the token key, refuses to start (GLASS_ERR_CLUSTER_KEY)', async () => {
  const d = dir();
  const base = { GLASS_TOKEN_SECRET_FILE: join(d, 'token'), REDIS_URL: 'redis://127.0.0.1:1' };
  const options = { nodeId: 'refused-1', prefix: 'glass-test-refused', workers: 1, logLevel: 'silent', store: MEMORY_STORE } as const;
  await assert.rejects(startClusterNode(options, { ...base, GLASS_CLUSTER_KEY: 'too-short' }), refused);
  const open = join(d, 'open-key');
  writeFileSync(open, LONG, { mode: 0o644 });
  chmodSync(open, 0o644);
  await assert.rejects(startClusterNode(options, { ...base, GLASS_CLUSTER_KEY_FILE: open }), refused);
  await assert.rejects(startClusterNode(options, { ...base, GLASS_CLUSTER_KEY: LONG, GLASS_TOKEN_SECRET: LONG }), refused);
  await assert.rejects(startClusterNode({ ...options, clusterKey: LONG }, { ...base, GLASS_TOKEN_SECRET: LONG }), refused);
});

test('a cluster node without COUCHDB_URL refuses to start outside the development mode, saying what to set', async () => {
  const d = dir();
  const env = { GLASS_TOKEN_SECRET_FILE: join(d, 'token'), GLASS_CLUSTER_KEY: LONG, REDIS_URL: 'redis://127.0.0.1:1' };
  await assert.rejects(startClusterNode({ nodeId: 'refused-2', prefix: 'glass-test-refused', workers: 1, logLevel: 'silent' }, env), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'GLASS_ERR_CLUSTER_STORE_URL');
    assert.match(err.message, /COUCHDB_URL/);
    assert.match(err.message, /GLASS_DEV_SHARED_STORE=1/);
    return true;
  });
});
