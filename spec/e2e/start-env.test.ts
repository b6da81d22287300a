import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { generateTokenKeyPair, ProtocolErrors, publicKeyPem, signAccessToken } from '../../clients/index.js';
import { TestClient } from './ws-client.js';

const GLASS = new URL('../../bin/glass.js', import.meta.url).pathname;

/** The environment of a lone `glass start` in `dir`: no Redis, no PostgreSQL, keys given. */
function baseEnv(dir: string, publicKey: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GLASS_DATA_DIR: join(dir, 'couch'), COUCHDB_URL: '', GLASS_TOKEN_PUBLIC_KEY: publicKey, GLASS_TOKEN_SECRET: randomBytes(32).toString('base64url'), LOG_LEVEL: 'info' };
  for (const name of ['REDIS_URL', 'GLASS_PG_URL', 'DATABASE_URL', 'PORT', 'HOST']) delete env[name];
  for (const name of Object.keys(env)) if (/^GLASS_(MAX_|TRUSTED_|TEXT_|CREATION_|CREATES_|BLOCKED_)/.test(name)) delete env[name];
  return env;
}

describe('glass start reads the edge limits and the watchdog from its environment', () => {
  test('GLASS_MAX_ROOM_MEMBERS=1 refuses the second joiner; GLASS_CREATION_POLICY=listed with GLASS_CREATION_LISTED refuses other rooms', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'glass-e2e-start-env-'));
    const pair = generateTokenKeyPair();
    const env = { ...baseEnv(dir, publicKeyPem(pair.publicKey)), GLASS_MAX_ROOM_MEMBERS: '1', GLASS_CREATION_POLICY: 'listed', GLASS_CREATION_LISTED: 'tavern, hall', GLASS_BLOCKED_AFTER_MS: '5000' };
    const child = spawn(process.execPath, [GLASS, 'start', '--port', '0', '--workers', '1'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const clients: TestClient[] = [];
    try {
      // Every stdout line as written (raw text: a key written twice is lost once parsed), and waiters on them.
      const lines: string[] = [];
      const waiters: { match: (l: { msg?: string }) => boolean; resolve: (text: string) => void }[] = [];
      const onLine = (match: (l: { msg?: string; port?: number }) => boolean): Promise<string> => {
        const seen = lines.find((text) => match(JSON.parse(text) as { msg?: string }));
        return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
      };
      createInterface({ input: child.stdout! }).on('line', (text) => {
        let line: { msg?: string };
        try {
          line = JSON.parse(text) as { msg?: string };
        } catch {
          return;
        }
        lines.push(text);
        for (const w of [...waiters]) if (w.match(line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(text));
      });
      const port = await Promise.race([
        onLine((l) => l.msg === 'listening').then((text) => (JSON.parse(text) as { port: number }).port),
        exited.then((code) => Promise.reject(new Error(`glass start exited (${code}) before listening`))),
      ]);
      const url = `ws://127.0.0.1:${port}/ws`;
      const connect = async (player: string): Promise<TestClient> => {
        const client = await TestClient.connectWith(url, player, await signAccessToken(pair.privateKey, { player, character: `${player}-c`, roles: ['player'], ttlMs: 600_000 }));
        clients.push(client);
        return client;
      };
      const ann = await connect('ann');
      const bob = await connect('bob');
      assert.deepEqual((await ann.join('tavern')).members, ['ann']);
      assert.equal((await bob.expectError({ type: 'join', room: 'tavern', ref: 'b1' }, 'b1')).code, ProtocolErrors.ROOM_FULL);
      // A listed room opens; one not listed is not created by a player.
      assert.deepEqual((await bob.join('hall')).members, ['bob']);
      assert.equal((await bob.expectError({ type: 'join', room: 'cellar', ref: 'b2' }, 'b2')).code, ProtocolErrors.CREATE_REFUSED);
      // A refused override (no moderator role) is logged by the desk with one `component` (audited, or
      // not yet if the embedded PostgreSQL is still starting).
      const refused = await fetch(`http://127.0.0.1:${port}/api/overrides`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await signAccessToken(pair.privateKey, { player: 'ann', character: 'ann-c', roles: ['player'], ttlMs: 600_000 })}`, 'content-type': 'application/json' },
        body: JSON.stringify({ room: 'tavern', command: 'kick', player: 'bob', reason: 'test' }),
      });
      assert.equal(refused.status, 403);
      const logged = await onLine((l) => l.msg?.startsWith('override refused') === true);
      assert.deepEqual(logged.match(/"component":"[^"]*"/g), ['"component":"moderation"'], logged);
      for (const c of clients.splice(0)) await c.close();
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      for (const c of clients) await c.close().catch(() => {});
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
  });

  for (const [name, value] of [
    ['GLASS_MAX_ROOM_MEMBERS', 'many'],
    ['GLASS_MAX_CONNECTIONS_PER_IP', '0'],
    ['GLASS_TRUSTED_PROXIES', '10.0.0.1,proxy.local'],
    ['GLASS_TEXT_BYTES_BURST', '100'],
    ['GLASS_CREATION_POLICY', 'nobody'],
    ['GLASS_CREATION_LISTED', 'tavern,,hall'],
    ['GLASS_CREATES_PER_HOUR', '-1'],
    ['GLASS_BLOCKED_AFTER_MS', '50'],
  ] as const) {
    test(`${name}=${JSON.stringify(value)} is a usage error: exit 2, the variable named`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'glass-e2e-start-env-bad-'));
      try {
        const env = { ...baseEnv(dir, publicKeyPem(generateTokenKeyPair().publicKey)), [name]: value };
        const child = spawn(process.execPath, [GLASS, 'start', '--port', '0', '--workers', '1'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
        assert.equal(code, 2, stderr);
        assert.match(stderr, new RegExp(name));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
