// A fresh `glass start` with nothing configured (no GLASS_PG_URL): the embedded PostgreSQL comes up in
// the background, the audit log becomes ready, a moderator's override is applied and audited, and
// `glass audit verify` reads the same chain — through the running node, then on its own after it stopped.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { generateTokenKeyPair, publicKeyPem } from '../../clients/index.js';
import { TestClient } from './ws-client.js';

const GLASS = fileURLToPath(new URL('../../bin/glass.js', import.meta.url));

describe('moderation on a fresh node: the embedded PostgreSQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-e2e-embedded-pg-'));
  const pair = generateTokenKeyPair();
  const keyFile = join(dir, 'issuer.pem');
  writeFileSync(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const env: NodeJS.ProcessEnv = { ...process.env, COUCHDB_URL: '', GLASS_DATA_DIR: join(dir, 'couch'), GLASS_TOKEN_PUBLIC_KEY: publicKeyPem(pair.publicKey), GLASS_TOKEN_PRIVATE_KEY_FILE: keyFile, GLASS_AUDIT_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'info' };
  for (const name of ['REDIS_URL', 'GLASS_PG_URL', 'DATABASE_URL', 'GLASS_PG_SCHEMA', 'GLASS_PG_DATA_DIR', 'GLASS_AUDIT_KEY_FILE', 'GLASS_AUDIT_ANCHOR_FILE', 'GLASS_TOKEN_SECRET_FILE', 'GLASS_TOKEN_PUBLIC_KEY_FILE', 'PORT', 'HOST', 'GLASS_MOD_TOKEN', 'GLASS_URL']) delete env[name];
  const clients: TestClient[] = [];

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function glass(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [GLASS, ...args], { cwd: dir, env }, (err, stdout, stderr) => resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr }));
    });
  }

  test('the override is audited in the embedded PostgreSQL, and glass audit verify finds it', async () => {
    const child = spawn(process.execPath, [GLASS, 'start', '--port', '0', '--host', '127.0.0.1', '--workers', '1'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const seen: { msg?: string; port?: number }[] = [];
      const waiters: { msg: string; resolve: (l: { port?: number }) => void }[] = [];
      createInterface({ input: child.stdout! }).on('line', (text) => {
        let line: { msg?: string; port?: number };
        try {
          line = JSON.parse(text) as typeof line;
        } catch {
          return;
        }
        seen.push(line);
        for (const w of waiters.filter((x) => x.msg === line.msg)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(line));
      });
      const logged = (msg: string) =>
        Promise.race([
          new Promise<{ port?: number }>((resolve) => {
            const already = seen.find((l) => l.msg === msg);
            if (already !== undefined) resolve(already);
            else waiters.push({ msg, resolve });
          }),
          exited.then((code) => Promise.reject(new Error(`glass start exited (${code}) before logging "${msg}"`))),
        ]);
      const { port } = await logged('listening');
      await logged('audit log ready');

      const bob = await TestClient.connect(`ws://127.0.0.1:${port}/ws`, 'bob-c', { key: pair.privateKey });
      clients.push(bob);
      await bob.join('r1-c');
      const mute = await glass(['mod', 'mute', '--room', 'r1-c', '--player', 'bob-c', '--reason', 'spam', '--as', 'mod-e2e', '--url', `http://127.0.0.1:${port}`]);
      assert.equal(mute.code, 0, mute.stderr);
      const receipt = JSON.parse(mute.stdout) as { audit: { id: number; hash: string } };
      assert.equal(receipt.audit.id, 1);

      const live = await glass(['audit', 'verify']);
      assert.equal(live.code, 0, live.stderr + live.stdout);
      assert.equal(live.stdout, `ok: 1 rows, head 1 ${receipt.audit.hash}\n`);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      child.kill('SIGTERM');
      await exited;
    }
    const alone = await glass(['audit', 'verify']);
    assert.equal(alone.code, 0, alone.stderr + alone.stdout);
    assert.match(alone.stdout, /^ok: 1 rows, head 1 [0-9a-f]{64}\n$/);
  });
});
