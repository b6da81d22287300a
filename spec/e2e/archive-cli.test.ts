import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chunkKey, writeChunk, type ArchiveChunk } from '../../actors/index.js';
import { createFsObjectStore, createS3ObjectStore } from '../../cluster/index.js';
import type { ObjectStore } from '../../runtime/index.js';
import { findMotoServer, MotoServer } from '../fixtures/moto-server.js';

const GLASS = fileURLToPath(new URL('../../bin/glass.js', import.meta.url));

function glass(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [GLASS, 'archive', ...args], { env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : Number((err as { code?: number }).code ?? 1), stdout, stderr });
    });
  });
}

function lines(first: number, last: number): ArchiveChunk {
  const items = Array.from({ length: last - first + 1 }, (_, i) => ({ seq: first + i, from: 'ann', text: `line ${first + i}`, at: Date.UTC(2026, 0, 1) + i }));
  return { v: 1, kind: 'room', id: 'hall', first, last, items };
}

async function fill(store: ObjectStore): Promise<void> {
  await writeChunk(store, lines(1, 50), false);
  await writeChunk(store, lines(51, 100), false);
  await store.put(chunkKey('room', 'broken', 1, 50), 'garbage');
}

/** `full`: every case; otherwise list, one page and the corrupt chunk (each run loads the CLI: about 2 s here). */
async function checkCli(env: Record<string, string>, full = true): Promise<void> {
  const list = await glass(['list', '--room', 'hall', '--json'], env);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(JSON.parse(list.stdout).chunks.map((c: { first: number; last: number }) => [c.first, c.last]), [[1, 50], [51, 100]]);
  const newest = JSON.parse((await glass(['read', '--room', 'hall', '--limit', '30', '--json'], env)).stdout);
  assert.deepEqual([newest.items[0].seq, newest.items.at(-1).seq, newest.next], [71, 100, 71]);
  if (!full) {
    const broken = await glass(['read', '--room', 'broken'], env);
    assert.match(broken.stderr, /GLASS_ERR_ARCHIVE_CORRUPT/);
    return;
  }
  const oldest = JSON.parse((await glass(['read', '--room', 'hall', '--before', '11', '--json'], env)).stdout);
  assert.deepEqual([oldest.items.length, oldest.next], [10, null]);
  const text = await glass(['read', '--room', 'hall', '--limit', '2'], env);
  assert.match(text.stdout, /^99\t2026-01-01T00:00:00\.048Z\tann\t"line 99"\n100\t.*\n.*--before 99\n$/);
  const broken = await glass(['read', '--room', 'broken'], env);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /GLASS_ERR_ARCHIVE_CORRUPT/);
  assert.equal((await glass(['read', '--room', '../x'], env)).code, 2);
  assert.equal((await glass(['read', '--room', 'a', '--session', 'b'], env)).code, 2);
  assert.equal((await glass(['read', '--room', 'hall', '--limit', '999'], env)).code, 2);
}

describe('glass archive', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test('on the filesystem archive (GLASS_OBJECTS_DIR): list, read page by page, corrupt chunk and bad arguments refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'glass-archive-cli-'));
    dirs.push(dir);
    await fill(createFsObjectStore({ dir }));
    await checkCli({ GLASS_OBJECTS_DIR: dir });
  });

  const moto = findMotoServer();
  describe('on S3 (moto_server)', { skip: moto === undefined ? 'moto_server not found (.ci/run installs it)' : false }, () => {
    let server: MotoServer;
    before(async () => {
      server = await MotoServer.start(moto!);
    });
    after(async () => {
      await server?.stop();
    });
    test('the same through GLASS_S3_URL, and the secret key never printed', async () => {
      const env = { GLASS_S3_URL: server.url, GLASS_S3_ACCESS_KEY: 'cli-access', GLASS_S3_SECRET_KEY: 'cli-secret-value', GLASS_S3_BUCKET: 'glass-cli' };
      await fill(createS3ObjectStore({ url: server.url, accessKey: 'cli-access', secretKey: 'cli-secret-value', bucket: 'glass-cli' }));
      await checkCli(env, false);
      const all = await glass(['read', '--room', 'broken'], env);
      assert.doesNotMatch(all.stdout + all.stderr, /cli-secret-value/);
    });
  });
});
