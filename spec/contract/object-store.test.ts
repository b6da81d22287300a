import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createFsObjectStore, createObjectStore, createS3ObjectStore } from '../../cluster/index.js';
import { findMotoServer, MotoServer } from '../fixtures/moto-server.js';
import { objectStoreContract } from './object-store.contract.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

objectStoreContract('FsObjectStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'glass-objects-'));
  dirs.push(dir);
  return createFsObjectStore({ dir });
});

// FsObjectStore remembers the directories it made: one removed behind its back is made again.
test('FsObjectStore: a put after its directories were removed from outside writes again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'glass-objects-'));
  dirs.push(dir);
  const store = createFsObjectStore({ dir });
  await store.put('archive/room/a/1', 'one');
  await rm(dir, { recursive: true, force: true });
  await store.put('archive/room/a/2', 'two');
  await store.put('archive/room/a/1', 'again');
  assert.equal(new TextDecoder().decode(await store.get('archive/room/a/2')), 'two');
  assert.equal(new TextDecoder().decode(await store.get('archive/room/a/1')), 'again');
  assert.equal((await store.versions('archive/room/a/1')).length, 1);
  await store.close();
});

const moto = findMotoServer();
if (moto === undefined) {
  describe('ObjectStore contract: S3ObjectStore on moto_server', () => {
    test('skipped: moto_server is not on this machine (.ci/run installs it: pip install "moto[server]")', { skip: 'moto_server not found' }, () => {});
  });
} else {
  let server: MotoServer;
  let n = 0;
  before(async () => {
    server = await MotoServer.start(moto);
  });
  after(async () => {
    await server?.stop();
  });
  objectStoreContract('S3ObjectStore on moto_server', () =>
    createS3ObjectStore({ url: server.url, accessKey: 'test-access', secretKey: 'test-secret', bucket: `glass-contract-${process.pid}-${n++}` }),
  );
  objectStoreContract('createObjectStore({kind: "s3"}) on moto_server', () =>
    createObjectStore({ kind: 's3', url: server.url, accessKey: 'test-access', secretKey: 'test-secret', bucket: `glass-config-${process.pid}-${n++}` }),
  );
}
