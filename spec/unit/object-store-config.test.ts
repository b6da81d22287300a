import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, test } from 'node:test';
import { FsObjectStore, S3ObjectStore, createObjectStore, objectStoreConfig, objectStoreConfigForBucket, objectStoreConfigFromEnv } from '../../cluster/index.js';
import { checkObjectKey, compareObjectKeys } from '../../runtime/index.js';

describe('object store configuration', () => {
  test('no GLASS_S3_URL: the filesystem store under .data/objects (or GLASS_OBJECTS_DIR)', () => {
    assert.deepEqual(objectStoreConfigFromEnv({}), { kind: 'fs', dir: '.data/objects' });
    assert.deepEqual(objectStoreConfigFromEnv({ GLASS_OBJECTS_DIR: '/tmp/x' }), { kind: 'fs', dir: '/tmp/x' });
    assert.ok(createObjectStore(objectStoreConfigFromEnv({})) instanceof FsObjectStore);
  });

  test('GLASS_S3_*: an S3 store whose keys never print', () => {
    const config = objectStoreConfigFromEnv({
      GLASS_S3_URL: 'http://127.0.0.1:9000',
      GLASS_S3_ACCESS_KEY: 'AKIA-very-secret',
      GLASS_S3_SECRET_KEY: 'shh-secret-key',
      GLASS_S3_BUCKET: 'glass-archive',
    });
    assert.equal(config.kind, 's3');
    const shown = JSON.stringify(config) + inspect(config, { depth: 5 }) + String((config as { accessKey: unknown }).accessKey);
    assert.doesNotMatch(shown, /very-secret|shh-secret/);
    assert.ok(createObjectStore(config) instanceof S3ObjectStore);
    // A config that crossed a thread (structured clone: Secrets become { value }) is accepted again.
    assert.equal(objectStoreConfig(structuredClone(config)).kind, 's3');
  });

  test('bad settings are refused with GLASS_ERR_INVALID_OPTION, the URL\'s credentials not echoed', () => {
    const bad = [
      { GLASS_S3_URL: 'ftp://x' },
      { GLASS_S3_URL: 'http://127.0.0.1:9000' },
      { GLASS_S3_URL: 'http://127.0.0.1:9000', GLASS_S3_ACCESS_KEY: 'a', GLASS_S3_SECRET_KEY: 'b', GLASS_S3_BUCKET: 'Bad_Bucket' },
      { GLASS_S3_URL: 'http://127.0.0.1:9000', GLASS_S3_ACCESS_KEY: 'a', GLASS_S3_SECRET_KEY: 'b', GLASS_S3_REGION: 'no spaces' },
    ];
    for (const env of bad) assert.throws(() => objectStoreConfigFromEnv(env), (e: { code?: string }) => e.code === 'GLASS_ERR_INVALID_OPTION');
    assert.throws(
      () => objectStoreConfigFromEnv({ GLASS_S3_URL: 'gopher://user:pw-secret@host' }),
      (e: Error) => !e.message.includes('pw-secret') && !JSON.stringify(e).includes('pw-secret'),
    );
    assert.throws(() => objectStoreConfig({ kind: 'tape' }), (e: { code?: string }) => e.code === 'GLASS_ERR_INVALID_OPTION');
  });

  test('another bucket of the same backend: a sibling directory, or the S3 bucket', () => {
    assert.deepEqual(objectStoreConfigForBucket(objectStoreConfigFromEnv({}), 'glass-audit'), { kind: 'fs', dir: '.data/objects-glass-audit' });
    const s3 = objectStoreConfigForBucket(objectStoreConfigFromEnv({ GLASS_S3_URL: 'http://127.0.0.1:9000', GLASS_S3_ACCESS_KEY: 'a', GLASS_S3_SECRET_KEY: 'b' }), 'glass-audit');
    assert.equal(s3.kind === 's3' && s3.bucket, 'glass-audit');
    assert.throws(() => objectStoreConfigForBucket(objectStoreConfigFromEnv({}), '../x'), (e: { code?: string }) => e.code === 'GLASS_ERR_INVALID_OPTION');
  });

  test('keys: safe ones pass, order is UTF-8 byte order', () => {
    for (const k of ['archive/session/s1/000001-000100.json', 'a', 'a b/ü/x.json']) assert.equal(checkObjectKey(k), k);
    assert.ok(compareObjectKeys('\uffff', '\u{10000}') < 0);
    assert.ok('\uffff' > '\u{10000}');
  });
});
