// The development store's URL in Redis (GLASS_DEV_SHARED_STORE=1 only) is signed: a value someone
// wrote into Redis without the cluster key is not followed, however reachable its URL.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { resolveClusterKey, startSharedDevStore } from '../../cluster/index.js';
import { SHARED_REDIS_URL, deleteKeys, uniquePrefix } from '../contract/transport-redis-server.js';

const prefix = uniquePrefix('devstore');
const dir = mkdtempSync(join(tmpdir(), 'glass-devstore-'));
const admin = new Redis(SHARED_REDIS_URL);
after(async () => {
  await deleteKeys(SHARED_REDIS_URL, prefix);
  admin.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

test('a forged store URL in Redis is ignored; the signed one of the first node is followed', async () => {
  // The attacker's "CouchDB": answers 200 to anything.
  const trap = createServer((_req, res) => res.end('{"couchdb":"Welcome"}'));
  trap.listen(0, '127.0.0.1');
  await once(trap, 'listening');
  const trapUrl = `http://127.0.0.1:${(trap.address() as { port: number }).port}`;
  const key = resolveClusterKey();
  const env = { GLASS_DEV_SHARED_STORE: '1', GLASS_DATA_DIR: dir, COUCHDB_URL: '' };
  try {
    await admin.set(`${prefix}:dev-couch`, trapUrl);
    const first = await startSharedDevStore(SHARED_REDIS_URL, prefix, 'n1', env, key);
    try {
      const served = (first.store.options as { url: string }).url;
      assert.notEqual(served, trapUrl);
      assert.match(first.description, /^embedded/);
      const second = await startSharedDevStore(SHARED_REDIS_URL, prefix, 'n2', env, key);
      assert.equal((second.store.options as { url: string }).url, served);
      assert.match(second.description, /served by another node/);
    } finally {
      await first.close();
    }
  } finally {
    trap.close();
  }
});
