import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { generateTokenKeyPair, ProtocolErrors, publicKeyPem, signAccessToken } from '../../clients/index.js';
import { TestClient } from './ws-client.js';

const GLASS = new URL('../../bin/glass.js', import.meta.url).pathname;
const KEY_VARS = ['GLASS_TOKEN_SECRET', 'GLASS_TOKEN_SECRET_FILE', 'GLASS_TOKEN_PUBLIC_KEY', 'GLASS_TOKEN_PUBLIC_KEY_FILE', 'GLASS_TOKEN_PRIVATE_KEY_FILE'];

function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GLASS_DATA_DIR: '', COUCHDB_URL: '', REDIS_URL: '', LOG_LEVEL: 'info' };
  for (const name of KEY_VARS) delete env[name];
  return { ...env, ...extra };
}

function glassToken(cwd: string, env: NodeJS.ProcessEnv, player: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [GLASS, 'token', '--player', player, '--character', `${player}-c`, '--role', 'moderator'], { cwd, env }, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr }),
    ),
  );
}

/** The HTTP status and code of an upgrade that must be refused. */
function refused(url: string, token: string): Promise<{ status: number; code: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    socket.once('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, code: (JSON.parse(text) as { code: string }).code });
        socket.terminate();
      });
    });
    socket.once('open', () => reject(new Error('the upgrade was accepted')));
    socket.once('error', () => {});
  });
}

test('a node given only the public key verifies the tokens `glass token` signs with the private key, and holds no private key', async () => {
  const nodeDir = await mkdtemp(join(tmpdir(), 'glass-e2e-keys-node-'));
  const issuerDir = await mkdtemp(join(tmpdir(), 'glass-e2e-keys-issuer-'));
  const pair = generateTokenKeyPair();
  const publicFile = join(nodeDir, 'issuer-public.pem');
  const privateFile = join(issuerDir, 'issuer-private.pem');
  await writeFile(publicFile, publicKeyPem(pair.publicKey));
  await writeFile(privateFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const child = spawn(process.execPath, [GLASS, 'start', '--port', '0', '--host', '127.0.0.1', '--workers', '1'], {
    cwd: nodeDir,
    env: cleanEnv({ GLASS_TOKEN_PUBLIC_KEY_FILE: publicFile }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const log: string[] = [];
  try {
    let port = 0;
    for await (const line of createInterface({ input: child.stdout! })) {
      log.push(line);
      const entry = JSON.parse(line) as { msg?: string; port?: number; tokenKey?: string; tokenKeyFile?: string; tokenAlgorithm?: string };
      if (entry.msg === 'listening') {
        port = entry.port!;
        assert.deepEqual([entry.tokenKey, entry.tokenKeyFile, entry.tokenAlgorithm], ['file', publicFile, 'EdDSA']);
        break;
      }
    }
    assert.ok(port > 0, 'the node listens');
    const url = `ws://127.0.0.1:${port}/ws`;

    // The issuer, elsewhere, with the private key: its token is taken.
    const issued = await glassToken(issuerDir, cleanEnv({ GLASS_TOKEN_PRIVATE_KEY_FILE: privateFile }), 'alice');
    assert.equal(issued.code, 0, issued.stderr);
    const alice = await TestClient.connectWith(url, 'alice', issued.stdout.trim());
    await alice.join('lobby-k');
    alice.send({ type: 'say', room: 'lobby-k', text: 'signed elsewhere' });
    assert.equal((await alice.next('said')).line.text, 'signed elsewhere');
    await alice.close();

    // On the node's machine, with only the public key, `glass token` cannot sign.
    const onNode = await glassToken(nodeDir, cleanEnv({ GLASS_TOKEN_PUBLIC_KEY_FILE: publicFile }), 'mallory');
    assert.equal(onNode.code, 1);
    assert.equal(onNode.stdout, '');
    assert.match(onNode.stderr, /GLASS_ERR_TOKEN_KEY.*GLASS_TOKEN_PRIVATE_KEY_FILE/s);
    // Nor did anything make a key pair on the node: no private key there to steal.
    await assert.rejects(access(join(nodeDir, '.data', 'token-private-key.pem')), { code: 'ENOENT' });
    // A development pair made there (glass token with nothing configured) signs nothing the node takes.
    const local = await glassToken(nodeDir, cleanEnv({}), 'mallory');
    assert.equal(local.code, 0, local.stderr);
    assert.deepEqual(await refused(url, local.stdout.trim()), { status: 401, code: ProtocolErrors.TOKEN_INVALID });
    const forged = await signAccessToken(generateTokenKeyPair().privateKey, { player: 'mallory', character: 'm', roles: ['ops'], ttlMs: 60_000 });
    assert.deepEqual(await refused(url, forged), { status: 401, code: ProtocolErrors.TOKEN_INVALID });

    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const privateText = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().split('\n')[1];
    assert.ok(!log.join('\n').includes(privateText));
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(nodeDir, { recursive: true, force: true });
    await rm(issuerDir, { recursive: true, force: true });
  }
});

test('glass start refuses a private key where the public key belongs, and a key that is not Ed25519 or P-256', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'glass-e2e-keys-bad-'));
  try {
    const pair = generateTokenKeyPair();
    for (const [what, value] of [
      ['a private key', pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()],
      ['a shared secret', 's'.repeat(48)],
    ]) {
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [GLASS, 'start', '--port', '0', '--host', '127.0.0.1', '--workers', '1'], {
          cwd,
          env: cleanEnv({ GLASS_TOKEN_PUBLIC_KEY: value }),
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.once('exit', (code) => resolve({ code, stderr }));
      });
      assert.notEqual(result.code, 0, what);
      assert.match(result.stderr, /GLASS_ERR_TOKEN_KEY/, what);
      assert.ok(!result.stderr.includes(value.split('\n')[1] ?? value), `${what}: not echoed`);
    }
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
});

test('a node left on the development pair while GLASS_TOKEN_SECRET is set says at start that the secret no longer verifies access tokens', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'glass-e2e-keys-legacy-'));
  const secret = 'legacy-'.repeat(8);
  const child = spawn(process.execPath, [GLASS, 'start', '--port', '0', '--host', '127.0.0.1', '--workers', '1'], {
    cwd,
    env: cleanEnv({ GLASS_TOKEN_SECRET: secret }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const seen: { msg?: string; level?: number | string }[] = [];
    let port = 0;
    for await (const line of createInterface({ input: child.stdout! })) {
      assert.ok(!line.includes(secret), 'the secret is never logged');
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      seen.push(entry);
      if (entry.msg === 'listening') {
        port = entry.port!;
        break;
      }
    }
    assert.ok(port > 0);
    assert.ok(seen.some((e) => /GLASS_TOKEN_SECRET no longer verifies access tokens/.test(e.msg ?? '')), 'the warning is logged before listening');
    // And an HS256 token made with that secret is refused.
    const now = Math.floor(Date.now() / 1000);
    const hs = await new SignJWT({ chr: 'c', roles: ['ops'] }).setProtectedHeader({ alg: 'HS256' }).setIssuer('glass').setAudience('glass:player').setSubject('mal').setIssuedAt(now).setExpirationTime(now + 600).sign(new TextEncoder().encode(secret));
    assert.deepEqual(await refused(`ws://127.0.0.1:${port}/ws`, hs), { status: 401, code: ProtocolErrors.TOKEN_INVALID });
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(cwd, { recursive: true, force: true });
  }
});
