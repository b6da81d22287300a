import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
