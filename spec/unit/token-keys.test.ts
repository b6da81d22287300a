import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import {
  generateTokenKeyPair,
  ProtocolErrors,
  publicKeyPem,
  resolveTokenPrivateKey,
  resolveTokenPublicKey,
  signAccessToken,
  signResumeToken,
  startGateway,
  TokenSecretErrors,
  verifyAccessToken,
  verifyResumeToken,
} from '../../clients/index.js';
import { checkLifetime, CLOCK_TOLERANCE_MS } from '../../clients/tokens/glass-jwt.js';
import { MEMORY_STORE, startDefaultNode } from '../../cluster/index.js';
import { ErrorCodes } from '../../runtime/index.js';
import type { GlassNode } from '../../runtime/node/index.js';

const DAY_S = 86_400;
const keyRefused = { code: TokenSecretErrors.TOKEN_KEY };
/** A check's code, or 'ok'. */
const codeOf = (check: { ok: true } | { ok: false; code: string }): string => (check.ok ? 'ok' : check.code);

describe('token keys: the pair, the algorithms, the bounds', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glass-token-keys-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('an ES256 pair given as JWK text verifies its own tokens and nothing else', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const node = await resolveTokenPublicKey({ GLASS_TOKEN_PUBLIC_KEY: JSON.stringify(pair.publicKey.export({ format: 'jwk' })) });
    assert.deepEqual([node.source, node.algorithm], ['env', 'ES256']);
    const file = join(dir, 'es256.json');
    await writeFile(file, JSON.stringify(pair.privateKey.export({ format: 'jwk' })), { mode: 0o600 });
    const issuer = await resolveTokenPrivateKey({ GLASS_TOKEN_PRIVATE_KEY_FILE: file });
    assert.equal(issuer.algorithm, 'ES256');
    const token = await signAccessToken(issuer.key, { player: 'p', character: 'c', roles: ['ops'], ttlMs: 60_000 });
    const ok = await verifyAccessToken(node.key, token);
    assert.ok(ok.ok);
    assert.deepEqual(ok.claims.roles, ['ops']);
    // An Ed25519 token is refused by a P-256 node and the other way round: one algorithm per key.
    const ed = generateTokenKeyPair();
    assert.equal(codeOf(await verifyAccessToken(node.key, await signAccessToken(ed.privateKey, { player: 'p', character: 'c', ttlMs: 60_000 }))), ProtocolErrors.TOKEN_INVALID);
    assert.equal(codeOf(await verifyAccessToken(ed.publicKey, token)), ProtocolErrors.TOKEN_INVALID);
  });

  test('keys that are not an Ed25519 or P-256 pair, or the wrong half, are refused with GLASS_ERR_TOKEN_KEY', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const ed = generateTokenKeyPair();
    for (const value of [
      rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      p384.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      JSON.stringify(ed.privateKey.export({ format: 'jwk' })),
      randomBytes(32).toString('base64'),
      '{not json',
    ]) {
      await assert.rejects(resolveTokenPublicKey({ GLASS_TOKEN_PUBLIC_KEY: value }), keyRefused, value.slice(0, 40));
    }
    await assert.rejects(resolveTokenPublicKey({ GLASS_TOKEN_PUBLIC_KEY_FILE: join(dir, 'absent.pem') }), keyRefused);
    // The issuer's file must be private, and a private key.
    const open = join(dir, 'open.pem');
    await writeFile(open, ed.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o644 });
    await assert.rejects(resolveTokenPrivateKey({ GLASS_TOKEN_PRIVATE_KEY_FILE: open }), { code: TokenSecretErrors.INSECURE_SECRET_FILE });
    const half = join(dir, 'public-as-private.pem');
    await writeFile(half, publicKeyPem(ed.publicKey), { mode: 0o600 });
    await assert.rejects(resolveTokenPrivateKey({ GLASS_TOKEN_PRIVATE_KEY_FILE: half }), keyRefused);
    // Only a public key configured: nothing to sign with, and nothing generated.
    await assert.rejects(resolveTokenPrivateKey({ GLASS_TOKEN_PUBLIC_KEY: publicKeyPem(ed.publicKey) }), (err: Error & { code?: string }) => {
      assert.equal(err.code, TokenSecretErrors.TOKEN_KEY);
      assert.match(err.message, /GLASS_TOKEN_PRIVATE_KEY_FILE/);
      return true;
    });
    // signAccessToken takes the private half only, never a secret.
    await assert.rejects(signAccessToken(ed.publicKey, { player: 'p', character: 'c', ttlMs: 60_000 }), { code: ErrorCodes.INVALID_OPTION });
    await assert.rejects(signAccessToken(randomBytes(32) as never, { player: 'p', character: 'c', ttlMs: 60_000 }), keyRefused);
  });

  test('the lifetime bounds, on an injected clock: iat at most 30 s ahead, exp required, exp - iat at most 30 days', () => {
    const now = 1_800_000_000_000;
    const iat = now / 1000;
    assert.equal(CLOCK_TOLERANCE_MS, 30_000);
    assert.equal(checkLifetime({ iat, exp: iat + 60 }, 30 * DAY_S * 1000, now), null);
    assert.equal(checkLifetime({ iat: iat + 30, exp: iat + 90 }, 30 * DAY_S * 1000, now), null, 'at the tolerance');
    assert.equal(checkLifetime({ iat: iat + 31, exp: iat + 90 }, 30 * DAY_S * 1000, now), 'future-iat');
    assert.equal(checkLifetime({ iat: iat + 365 * DAY_S, exp: iat + 366 * DAY_S }, 30 * DAY_S * 1000, now), 'future-iat');
    assert.equal(checkLifetime({ iat, exp: iat + 30 * DAY_S }, 30 * DAY_S * 1000, now), null, 'exactly 30 days');
    assert.equal(checkLifetime({ iat, exp: iat + 30 * DAY_S + 2 }, 30 * DAY_S * 1000, now), 'too-long');
    assert.equal(checkLifetime({ iat, exp: iat + 100 * 365 * DAY_S }, 30 * DAY_S * 1000, now), 'too-long');
    assert.equal(checkLifetime({ iat }, 30 * DAY_S * 1000, now), 'no-exp');
    assert.equal(checkLifetime({ iat, exp: 'never' }, 30 * DAY_S * 1000, now), 'no-exp');
  });

  test('resume tokens: HMAC with the node-held secret, bounded alike; the access key does not sign them', async () => {
    const secret = new Uint8Array(randomBytes(32));
    const good = await signResumeToken(secret, { player: 'p', character: 'c', rooms: ['r'] }, 60_000);
    assert.ok((await verifyResumeToken(secret, good)).ok);
    const now = Math.floor(Date.now() / 1000);
    const raw = (iat: number, exp: number) =>
      new SignJWT({ chr: 'c', rooms: [] }).setProtectedHeader({ alg: 'HS256' }).setIssuer('glass').setAudience('glass:resume').setSubject('p').setIssuedAt(iat).setExpirationTime(exp).sign(secret);
    assert.equal(codeOf(await verifyResumeToken(secret, await raw(now + 365 * DAY_S, now + 366 * DAY_S))), ProtocolErrors.RESUME_INVALID);
    assert.equal(codeOf(await verifyResumeToken(secret, await raw(now, now + 100 * 365 * DAY_S))), ProtocolErrors.RESUME_INVALID);
    // An access token is not a resume token, whatever key.
    const ed = generateTokenKeyPair();
    assert.equal(codeOf(await verifyResumeToken(secret, await signAccessToken(ed.privateKey, { player: 'p', character: 'c', ttlMs: 60_000 }))), ProtocolErrors.RESUME_INVALID);
  });

  describe('the gateway option', () => {
    let node: GlassNode;
    before(async () => {
      node = await startDefaultNode({ nodeId: 'token-keys-node', workers: 1, logLevel: 'silent', store: MEMORY_STORE });
    });
    after(() => node?.close());

    test('tokenKey must be a public Ed25519 or P-256 key: a secret, the private half or the old tokenSecret are refused, unechoed', async () => {
      const ed = generateTokenKeyPair();
      const secret = new Uint8Array(randomBytes(32));
      for (const options of [{ tokenKey: secret }, { tokenKey: ed.privateKey }, { tokenSecret: secret }, { tokenKey: ed.publicKey, resumeKey: new Uint8Array(8) }]) {
        await assert.rejects(startGateway({ node, port: 0, host: '127.0.0.1', ...(options as { tokenKey: never }) }), (err: Error & { code?: string }) => {
          assert.equal(err.code, ErrorCodes.INVALID_OPTION);
          assert.ok(!err.message.includes(Buffer.from(secret).toString('hex')) && !err.message.includes(String(secret[0]) + ','));
          return true;
        });
      }
      const gateway = await startGateway({ node, port: 0, host: '127.0.0.1', tokenKey: ed.publicKey });
      await gateway.close();
    });
  });
});
