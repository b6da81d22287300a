import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import WebSocket from 'ws';
import { CloseCodes, ProtocolErrors, resolveTokenSecret, signResumeToken, startGateway, verifyAccessToken, type Gateway } from '../../clients/index.js';
import { MEMORY_STORE, startDefaultNode } from '../../cluster/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { TEST_KEY, tokenFor } from './tokens.js';
import { TestClient } from './ws-client.js';

const GLASS = new URL('../../bin/glass.js', import.meta.url).pathname;

/** Opens a WebSocket that must be refused at the upgrade: its HTTP status and JSON body. */
function refusedUpgrade(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: { code: string; message: string } }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        socket.terminate();
      });
    });
    socket.once('open', () => reject(new Error('the upgrade was accepted')));
    socket.once('error', () => {}); // follows terminate(); the status is what matters
  });
}

/** A token signed with the test key but with claims signAccessToken would never produce. */
function rawToken(claims: Record<string, unknown>, options: { audience?: string; expSeconds?: number; key?: Uint8Array } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('glass')
    .setAudience(options.audience ?? 'glass:player')
    .setIssuedAt(now - 120)
    .setExpirationTime(now + (options.expSeconds ?? 3_600))
    .sign(options.key ?? TEST_KEY);
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [GLASS, ...args], { env }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

describe('tokens: the handshake, roles, expiry, and the glass token command', () => {
  let node: GlassNode;
  let gateway: Gateway;
  let url: string;
  let dir: string;
  const clients: TestClient[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glass-e2e-auth-'));
    node = await startDefaultNode({ nodeId: 'auth-node', workers: 1, logLevel: 'silent', store: MEMORY_STORE });
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', tokenSecret: TEST_KEY, resumeWindowMs: 10_000 });
    url = `ws://127.0.0.1:${gateway.port}/ws`;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gateway?.close();
    await node?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('missing, forged, expired, unsigned, misdirected and malformed tokens are refused at the upgrade (401, stable codes)', async () => {
    const otherKey = new Uint8Array(randomBytes(32));
    const cases: [string, string | null, string][] = [
      ['no token', null, ProtocolErrors.TOKEN_MISSING],
      ['garbage', 'not-a-token', ProtocolErrors.TOKEN_INVALID],
      ['forged (another key)', await tokenFor('mal', { key: otherKey }), ProtocolErrors.TOKEN_INVALID],
      ['expired', await rawToken({ sub: 'old', chr: 'old-char', roles: ['player'] }, { expSeconds: -60 }), ProtocolErrors.TOKEN_EXPIRED],
      ['expired and forged', await rawToken({ sub: 'old', chr: 'c', roles: ['player'] }, { expSeconds: -60, key: otherKey }), ProtocolErrors.TOKEN_INVALID],
      ['unsigned (alg none)', new UnsecuredJWT({ sub: 'mal', chr: 'c', roles: ['ops'] }).setIssuer('glass').setAudience('glass:player').setIssuedAt().setExpirationTime('1h').encode(), ProtocolErrors.TOKEN_INVALID],
      ['a resume token', await signResumeToken(TEST_KEY, { player: 'mal', character: 'c', rooms: [] }, 60_000), ProtocolErrors.TOKEN_INVALID],
      ['a bad player id', await rawToken({ sub: 'not valid!', chr: 'c', roles: ['player'] }), ProtocolErrors.TOKEN_INVALID],
      ['no character', await rawToken({ sub: 'mal', roles: ['player'] }), ProtocolErrors.TOKEN_INVALID],
      ['no roles', await rawToken({ sub: 'mal', chr: 'c', roles: [] }), ProtocolErrors.TOKEN_INVALID],
      ['an unknown role', await rawToken({ sub: 'mal', chr: 'c', roles: ['admin'] }), ProtocolErrors.TOKEN_INVALID],
      ['too long', 'a'.repeat(9_000), ProtocolErrors.TOKEN_INVALID],
    ];
    for (const [what, token, code] of cases) {
      const { status, body } = await refusedUpgrade(url, token === null ? {} : { authorization: `Bearer ${token}` });
      assert.equal(status, 401, what);
      assert.equal(body.code, code, what);
      assert.ok(token === null || !body.message.includes(token), 'the token is not echoed');
    }
    const viaQuery = await refusedUpgrade(`${url}?token=${await tokenFor('mal', { key: otherKey })}`);
    assert.equal(viaQuery.body.code, ProtocolErrors.TOKEN_INVALID);
    assert.equal(gateway.connections, 0);
  });

  test('a valid token in the query is accepted; welcome tells who, the roles, the expiry and the limits', async () => {
    const token = await tokenFor('query-ok', { character: 'ember', roles: ['player', 'moderator'] });
    const client = await TestClient.connectWith(`${url}?token=${token}`, 'query-ok', '');
    clients.push(client);
    const welcome = client.seen.find((f) => f.type === 'welcome');
    assert.ok(welcome?.type === 'welcome');
    assert.deepEqual([welcome.player, welcome.character, welcome.roles, welcome.node], ['query-ok', 'ember', ['player', 'moderator'], 'auth-node']);
    assert.ok(welcome.expiresAt > Date.now() + 3_500_000);
    assert.deepEqual(welcome.limits, { maxFrameBytes: 16_384, burst: 40, perSecond: 20, resumeWindowMs: 10_000 });
    assert.equal((await client.join('room-q')).room, 'room-q', 'a moderator plays too');
  });

  test('an ops-only token may ping but not play', async () => {
    const ops = await TestClient.connect(url, 'ops-only', { roles: ['ops'] });
    clients.push(ops);
    ops.send({ type: 'ping', ref: 'p' });
    await ops.next('pong', (f) => f.ref === 'p');
    for (const frame of [{ type: 'join', room: 'r' }, { type: 'turn', session: 's', text: 'hi' }]) {
      assert.equal((await ops.expectError({ ...frame, ref: frame.type }, frame.type)).code, ProtocolErrors.FORBIDDEN);
    }
  });

  test('a token expiring while connected closes the connection (4401); a new token resumes its rooms', async () => {
    const ann = await TestClient.connect(url, 'ann-exp', { ttlMs: 2_000 });
    const watcher = await TestClient.connect(url, 'watcher-exp');
    clients.push(watcher);
    await ann.join('porch-exp');
    await watcher.join('porch-exp');
    const { token } = await ann.next('resume-token', (f) => f.rooms.includes('porch-exp'));
    const expired = await ann.next('error', (f) => f.code === ProtocolErrors.TOKEN_EXPIRED, 5_000);
    assert.ok(expired.message.length > 0);
    assert.equal((await ann.closed).code, CloseCodes.TOKEN_EXPIRED);
    watcher.send({ type: 'say', room: 'porch-exp', text: 'you expired' });
    await watcher.next('said');
    const again = await TestClient.connect(url, 'ann-exp');
    clients.push(again);
    again.send({ type: 'resume', token, rooms: { 'porch-exp': 0 }, ref: 'r' });
    assert.deepEqual((await again.next('resumed', (f) => f.ref === 'r')).lines.map((l) => l.text), ['you expired']);
  });

  test('glass token signs with GLASS_TOKEN_SECRET, else a 0600 file it creates once; bad input exits 2', async () => {
    const file = join(dir, 'secrets', 'token-secret');
    const env = { ...process.env, GLASS_TOKEN_SECRET: '', GLASS_TOKEN_SECRET_FILE: file };
    const first = await run(['token', '--player', 'alice', '--character', 'ember', '--role', 'moderator', '--ttl', '2h'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const secret = await resolveTokenSecret(env);
    const check = await verifyAccessToken(secret.key, first.stdout.trim());
    assert.ok(check.ok);
    assert.deepEqual([check.claims.player, check.claims.character, check.claims.roles], ['alice', 'ember', ['moderator']]);
    assert.ok(Math.abs(check.claims.expiresAt - (Date.now() + 7_200_000)) < 5_000);
    const content = await readFile(file, 'utf8');
    assert.equal((await run(['token', '--player', 'bob', '--character', 'c'], env)).code, 0);
    assert.equal(await readFile(file, 'utf8'), content, 'the key is created once');

    const fromEnv = 'e'.repeat(40);
    const signed = await run(['token', '--player', 'carol', '--character', 'c'], { ...env, GLASS_TOKEN_SECRET: fromEnv });
    assert.ok((await verifyAccessToken(new TextEncoder().encode(fromEnv), signed.stdout.trim())).ok, 'GLASS_TOKEN_SECRET wins');

    for (const args of [['--player', 'x'], ['--player', 'bad id', '--character', 'c'], ['--player', 'x', '--character', 'c', '--role', 'admin'], ['--player', 'x', '--character', 'c', '--ttl', '99y'], ['--nope']]) {
      const result = await run(['token', ...args], env);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout, '');
    }
    const weak = await run(['token', '--player', 'x', '--character', 'c'], { ...env, GLASS_TOKEN_SECRET: 'short' });
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /at least 32/);
    await chmod(file, 0o644);
    const insecure = await run(['token', '--player', 'x', '--character', 'c'], env);
    assert.equal(insecure.code, 1);
    assert.match(insecure.stderr, /chmod 600/);
    assert.ok(!insecure.stderr.includes(content.trim()), 'the key is never printed');
  });

  test('a fresh machine: glass start with nothing configured, then glass token, then a player talks', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'glass-e2e-fresh-'));
    const env = { ...process.env, GLASS_TOKEN_SECRET: '', GLASS_TOKEN_SECRET_FILE: '', GLASS_DATA_DIR: '', COUCHDB_URL: '', REDIS_URL: '', LOG_LEVEL: 'info' };
    const child = spawn(process.execPath, [GLASS, 'start', '--port', '0', '--host', '127.0.0.1', '--workers', '1'], { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const lines = createInterface({ input: child.stdout! });
      let port = 0;
      for await (const line of lines) {
        let entry: { msg?: string; port?: number; tokenSecret?: string };
        try {
          entry = JSON.parse(line);
        } catch {
          continue; // not a log line of ours
        }
        if (entry.msg === 'listening') {
          port = entry.port!;
          assert.equal(entry.tokenSecret, 'generated');
          break;
        }
      }
      assert.ok(port > 0);
      const token = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, [GLASS, 'token', '--player', 'alice', '--character', 'ember'], { cwd, env }, (err, stdout) => (err ? reject(err) : resolve(stdout.trim()))),
      );
      const alice = await TestClient.connectWith(`ws://127.0.0.1:${port}/ws`, 'alice', token);
      await alice.join('lobby');
      alice.send({ type: 'say', room: 'lobby', text: 'hello' });
      assert.equal((await alice.next('said')).line.text, 'hello');
      await alice.close();
      assert.equal((await stat(join(cwd, '.data', 'token-secret'))).mode & 0o777, 0o600);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
