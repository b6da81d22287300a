import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes, type KeyObject } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import WebSocket from 'ws';
import { CloseCodes, generateTokenKeyPair, ProtocolErrors, publicKeyPem, resolveTokenPublicKey, signResumeToken, startGateway, verifyAccessToken, type Gateway } from '../../clients/index.js';
import { MEMORY_STORE, startDefaultNode } from '../../cluster/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { TEST_KEYS, TEST_PAIR, TEST_RESUME_KEY, tokenFor } from './tokens.js';
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

/**
 * A token signed with the test pair's private key (EdDSA) but with claims signAccessToken would
 * never produce; with a Uint8Array `key`, an HS256 token signed with that secret. `iatSeconds` is
 * `iat` from now (default -120); `expSeconds` is `exp` from now (null: no `exp` at all).
 */
function rawToken(claims: Record<string, unknown>, options: { audience?: string; expSeconds?: number | null; iatSeconds?: number; key?: KeyObject | Uint8Array } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const key = options.key ?? TEST_PAIR.privateKey;
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: key instanceof Uint8Array ? 'HS256' : 'EdDSA' })
    .setIssuer('glass')
    .setAudience(options.audience ?? 'glass:player')
    .setIssuedAt(now + (options.iatSeconds ?? -120));
  if (options.expSeconds !== null) jwt.setExpirationTime(now + (options.expSeconds ?? 3_600));
  return jwt.sign(key);
}

function run(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [GLASS, ...args], { env, cwd }, (err, stdout, stderr) => {
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
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, resumeWindowMs: 10_000 });
    url = `ws://127.0.0.1:${gateway.port}/ws`;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gateway?.close();
    await node?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('missing, forged, expired, unsigned, misdirected and malformed tokens are refused at the upgrade (401, stable codes)', async () => {
    const otherKey = generateTokenKeyPair().privateKey;
    const cases: [string, string | null, string][] = [
      ['no token', null, ProtocolErrors.TOKEN_MISSING],
      ['garbage', 'not-a-token', ProtocolErrors.TOKEN_INVALID],
      ['forged (another key)', await tokenFor('mal', { key: otherKey }), ProtocolErrors.TOKEN_INVALID],
      ['expired', await rawToken({ sub: 'old', chr: 'old-char', roles: ['player'] }, { expSeconds: -60 }), ProtocolErrors.TOKEN_EXPIRED],
      ['expired and forged', await rawToken({ sub: 'old', chr: 'c', roles: ['player'] }, { expSeconds: -60, key: otherKey }), ProtocolErrors.TOKEN_INVALID],
      ['unsigned (alg none)', new UnsecuredJWT({ sub: 'mal', chr: 'c', roles: ['ops'] }).setIssuer('glass').setAudience('glass:player').setIssuedAt().setExpirationTime('1h').encode(), ProtocolErrors.TOKEN_INVALID],
      ['a resume token', await signResumeToken(TEST_RESUME_KEY, { player: 'mal', character: 'c', rooms: [] }, 60_000), ProtocolErrors.TOKEN_INVALID],
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

  test('issuing is not verifying: other keys, shared secrets and impossible times are refused with their codes', async () => {
    const year = 365 * 86_400;
    const claims = { sub: 'mal', chr: 'c', roles: ['ops', 'moderator'] };
    const cases: [string, string, string][] = [
      ['signed with another Ed25519 private key', await tokenFor('mal', { key: generateTokenKeyPair().privateKey, roles: ['ops'] }), ProtocolErrors.TOKEN_INVALID],
      ['HS256 with a guessed shared secret', await rawToken(claims, { key: new TextEncoder().encode('e'.repeat(40)) }), ProtocolErrors.TOKEN_INVALID],
      ['HS256 with the node-held resume secret', await rawToken(claims, { key: TEST_RESUME_KEY }), ProtocolErrors.TOKEN_INVALID],
      ['HS256 keyed with the public key itself', await rawToken(claims, { key: new TextEncoder().encode(publicKeyPem(TEST_PAIR.publicKey)) }), ProtocolErrors.TOKEN_INVALID],
      ['iat a year ahead', await rawToken(claims, { iatSeconds: year, expSeconds: year + 3_600 }), ProtocolErrors.TOKEN_NOT_YET_VALID],
      ['iat a minute ahead (past the 30 s tolerance)', await rawToken(claims, { iatSeconds: 60 }), ProtocolErrors.TOKEN_NOT_YET_VALID],
      ['exp a century out', await rawToken(claims, { expSeconds: 100 * year }), ProtocolErrors.TOKEN_LIFETIME],
      ['a 31-day life', await rawToken(claims, { iatSeconds: 0, expSeconds: 31 * 86_400 }), ProtocolErrors.TOKEN_LIFETIME],
      ['no exp', await rawToken(claims, { expSeconds: null }), ProtocolErrors.TOKEN_LIFETIME],
    ];
    for (const [what, token, code] of cases) {
      const { status, body } = await refusedUpgrade(url, { authorization: `Bearer ${token}` });
      assert.equal(status, 401, what);
      assert.equal(body.code, code, what);
    }
    // Within the bounds: an iat 20 s ahead (a issuer's clock slightly fast) and a full 30-day life.
    for (const [player, token] of [
      ['skewed', await rawToken({ sub: 'skewed', chr: 'c', roles: ['player'] }, { iatSeconds: 20 })],
      ['month', await tokenFor('month', { ttlMs: 30 * 86_400_000 })],
    ] as const) {
      const client = await TestClient.connectWith(url, player, token);
      await client.close();
    }
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

  test('glass token signs with GLASS_TOKEN_PRIVATE_KEY_FILE, else (nothing configured) a 0600 pair it creates once; bad input exits 2', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'glass-e2e-token-'));
    const env = { ...process.env, GLASS_TOKEN_SECRET: '', GLASS_TOKEN_SECRET_FILE: '', GLASS_TOKEN_PUBLIC_KEY: '', GLASS_TOKEN_PUBLIC_KEY_FILE: '', GLASS_TOKEN_PRIVATE_KEY_FILE: '' };
    const runIn = (args: string[], e: NodeJS.ProcessEnv) => run(args, e, cwd);
    const file = join(cwd, '.data', 'token-private-key.pem');
    const first = await runIn(['token', '--player', 'alice', '--character', 'ember', '--role', 'moderator', '--ttl', '2h'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const publicKey = await resolveTokenPublicKey({ GLASS_TOKEN_PUBLIC_KEY_FILE: join(cwd, '.data', 'token-public-key.pem') });
    const check = await verifyAccessToken(publicKey.key, first.stdout.trim());
    assert.ok(check.ok);
    assert.deepEqual([check.claims.player, check.claims.character, check.claims.roles], ['alice', 'ember', ['moderator']]);
    assert.ok(Math.abs(check.claims.expiresAt - (Date.now() + 7_200_000)) < 5_000);
    const content = await readFile(file, 'utf8');
    assert.equal((await runIn(['token', '--player', 'bob', '--character', 'c'], env)).code, 0);
    assert.equal(await readFile(file, 'utf8'), content, 'the key is created once');

    const issuer = generateTokenKeyPair();
    const issuerFile = join(dir, 'issuer.pem');
    await writeFile(issuerFile, issuer.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const signed = await runIn(['token', '--player', 'carol', '--character', 'c'], { ...env, GLASS_TOKEN_PRIVATE_KEY_FILE: issuerFile });
    assert.ok((await verifyAccessToken(issuer.publicKey, signed.stdout.trim())).ok, 'GLASS_TOKEN_PRIVATE_KEY_FILE wins');
    assert.ok(!(await verifyAccessToken(publicKey.key, signed.stdout.trim())).ok);

    for (const args of [['--player', 'x'], ['--player', 'bad id', '--character', 'c'], ['--player', 'x', '--character', 'c', '--role', 'admin'], ['--player', 'x', '--character', 'c', '--ttl', '99y'], ['--nope']]) {
      const result = await runIn(['token', ...args], env);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout, '');
    }
    // Only the public key on this machine: glass token cannot sign, and says what it needs.
    const publicOnly = await runIn(['token', '--player', 'x', '--character', 'c'], { ...env, GLASS_TOKEN_PUBLIC_KEY: publicKeyPem(issuer.publicKey) });
    assert.equal(publicOnly.code, 1);
    assert.equal(publicOnly.stdout, '');
    assert.match(publicOnly.stderr, /GLASS_ERR_TOKEN_KEY/);
    assert.match(publicOnly.stderr, /GLASS_TOKEN_PRIVATE_KEY_FILE/);
    const missing = await runIn(['token', '--player', 'x', '--character', 'c'], { ...env, GLASS_TOKEN_PRIVATE_KEY_FILE: join(dir, 'nope.pem') });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /does not exist/);
    // A shared secret where the private key belongs is refused, not used as an HMAC key.
    const weakFile = join(dir, 'secret.pem');
    await writeFile(weakFile, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    const weak = await runIn(['token', '--player', 'x', '--character', 'c'], { ...env, GLASS_TOKEN_PRIVATE_KEY_FILE: weakFile });
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /GLASS_ERR_TOKEN_KEY/);
    await chmod(file, 0o644);
    const insecure = await runIn(['token', '--player', 'x', '--character', 'c'], env);
    assert.equal(insecure.code, 1);
    assert.match(insecure.stderr, /chmod 600/);
    assert.ok(!insecure.stderr.includes(content.trim().split('\n')[1]), 'the key is never printed');
    await rm(cwd, { recursive: true, force: true });
  });

  test('a fresh machine: glass start with nothing configured, then glass token, then a player talks', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'glass-e2e-fresh-'));
    const env = { ...process.env, GLASS_TOKEN_SECRET: '', GLASS_TOKEN_SECRET_FILE: '', GLASS_TOKEN_PUBLIC_KEY: '', GLASS_TOKEN_PUBLIC_KEY_FILE: '', GLASS_TOKEN_PRIVATE_KEY_FILE: '', GLASS_DATA_DIR: '', COUCHDB_URL: '', REDIS_URL: '', LOG_LEVEL: 'info' };
    const child = spawn(process.execPath, [GLASS, 'start', '--port', '0', '--host', '127.0.0.1', '--workers', '1'], { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const lines = createInterface({ input: child.stdout! });
      let port = 0;
      for await (const line of lines) {
        let entry: { msg?: string; port?: number; tokenSecret?: string; tokenKey?: string; tokenAlgorithm?: string };
        try {
          entry = JSON.parse(line);
        } catch {
          continue; // not a log line of ours
        }
        if (entry.msg === 'listening') {
          port = entry.port!;
          assert.equal(entry.tokenSecret, 'generated');
          assert.deepEqual([entry.tokenKey, entry.tokenAlgorithm], ['generated', 'EdDSA']);
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
      assert.equal((await stat(join(cwd, '.data', 'token-private-key.pem'))).mode & 0o777, 0o600);
      assert.ok((await readFile(join(cwd, '.data', 'token-public-key.pem'), 'utf8')).startsWith('-----BEGIN PUBLIC KEY-----'));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
