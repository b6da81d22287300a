// glass backup now|list and glass restore against the embedded CouchDB-protocol server, checkpoints in
// a filesystem ObjectStore of the test's own.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import nano from 'nano';
import { startEmbeddedCouch, type EmbeddedCouch } from '../../cluster/index.js';

const GLASS = fileURLToPath(new URL('../../bin/glass.js', import.meta.url));

describe('glass backup and glass restore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-backup-cli-'));
  let couch: EmbeddedCouch;
  const env: NodeJS.ProcessEnv = { ...process.env, GLASS_OBJECTS_DIR: join(dir, 'objects') };
  for (const name of ['GLASS_S3_URL', 'COUCHDB_URL']) delete env[name];

  before(async () => {
    couch = await startEmbeddedCouch({ dataDir: join(dir, 'couch') });
  });

  after(async () => {
    await couch.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function glass(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [GLASS, ...args], { env }, (err, stdout, stderr) => resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr }));
    });
  }

  test('now, list, restore into an empty database (equal documents), and a non-empty one refused', async () => {
    const server = nano({ url: couch.url, parseUrl: false } as nano.Configuration);
    await server.db.create('state');
    await server.db.use('state').bulk({ docs: [{ _id: 'room:a', history: ['hi'] }, { _id: 'session:b', turns: [{ n: 1 }] }] });

    const now = await glass(['backup', 'now', '--couch', couch.url, '--db', 'state']);
    assert.equal(now.code, 0, now.stderr);
    assert.match(now.stdout, /^checkpoint 1: 2 documents in 1 chunks/);
    const list = await glass(['backup', 'list', '--db', 'state', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual((JSON.parse(list.stdout) as { n: number; docs: number }[]).map((c) => [c.n, c.docs]), [[1, 2]]);

    const restored = await glass(['restore', '--at', new Date(Date.now() + 1_000).toISOString(), '--couch', couch.url, '--from-db', 'state', '--db', 'copy']);
    assert.equal(restored.code, 0, restored.stderr);
    const { rows } = await server.db.use('copy').list({ include_docs: true });
    assert.deepEqual(rows.map((r) => { const { _rev: _x, ...d } = r.doc as unknown as Record<string, unknown>; return d; }), [{ _id: 'room:a', history: ['hi'] }, { _id: 'session:b', turns: [{ n: 1 }] }]);

    const again = await glass(['restore', '--at', String(Date.now() + 1_000), '--couch', couch.url, '--from-db', 'state', '--db', 'copy']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /GLASS_ERR_RESTORE_NOT_EMPTY/);
    assert.doesNotMatch(again.stderr, new RegExp(new URL(couch.url).password || 'no-password-here'));

    const bad = await glass(['restore', '--at', 'yesterday-ish', '--couch', couch.url]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--at is not a time/);
  });
});
