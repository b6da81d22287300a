import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { AuditLog, FileAuditAnchor, generateTokenKeyPair, startGateway, type Gateway } from '../../clients/index.js';
import { MEMORY_STORE, startDefaultNode } from '../../cluster/index.js';
import { createLogger } from '../../runtime/index.js';
import { type GlassNode } from '../../runtime/node/index.js';
import { dropSchema, sql, testPgUrl, uniqueSchema } from '../integration/audit-harness.js';
import { tokenFor } from './tokens.js';
import { TestClient } from './ws-client.js';

const GLASS = fileURLToPath(new URL('../../bin/glass.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('glass mod and glass audit verify (the CLI against a live gateway and PostgreSQL)', () => {
  // The CLI finds the issuer's private key as `glass token` does: here from GLASS_TOKEN_PRIVATE_KEY_FILE.
  const pair = generateTokenKeyPair();
  const key = pair.privateKey;
  const keyFile = join(mkdtempSync(join(tmpdir(), 'glass-mod-cli-')), 'token-private-key.pem');
  writeFileSync(keyFile, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  // The audit key and anchor, shared with the CLI through its environment.
  const auditKey = randomBytes(32).toString('base64');
  const anchorFile = join(tmpdir(), `glass-cli-anchor-${process.pid}-${Date.now()}`);
  let node: GlassNode;
  let gateway: Gateway;
  let audit: AuditLog;
  let schema: string;
  let pgUrl: string;
  let httpUrl: string;
  const clients: TestClient[] = [];

  function glass(args: string[], env: Record<string, string> = {}): Promise<Run> {
    const base = { ...process.env };
    for (const name of ['GLASS_PG_URL', 'DATABASE_URL', 'GLASS_PG_SCHEMA', 'GLASS_MOD_TOKEN', 'GLASS_URL', 'GLASS_TOKEN_SECRET_FILE', 'GLASS_TOKEN_SECRET', 'GLASS_TOKEN_PUBLIC_KEY', 'GLASS_TOKEN_PUBLIC_KEY_FILE', 'GLASS_AUDIT_KEY_FILE']) delete base[name];
    return new Promise((resolve) => {
      execFile(process.execPath, [GLASS, ...args], { env: { ...base, GLASS_TOKEN_PRIVATE_KEY_FILE: keyFile, GLASS_AUDIT_KEY: auditKey, GLASS_AUDIT_ANCHOR_FILE: anchorFile, ...env } }, (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
      });
    });
  }

  before(async () => {
    pgUrl = await testPgUrl();
    schema = uniqueSchema('cli');
    node = await startDefaultNode({ workers: 1, logLevel: 'silent', store: MEMORY_STORE });
    audit = AuditLog.open({ url: pgUrl, schema, logger: createLogger('test', 'silent'), key: auditKey, anchor: new FileAuditAnchor(anchorFile) });
    await audit.whenReady();
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', tokenKey: pair.publicKey, audit });
    httpUrl = `http://127.0.0.1:${gateway.port}`;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gateway?.close();
    await node?.close();
    await audit?.close();
    if (schema !== undefined) await dropSchema(schema);
    rmSync(anchorFile, { force: true });
  });

  test('glass mod mute applies the override and prints its audit ref; refusals exit non-zero with the code', async () => {
    const bob = await TestClient.connect(`ws://127.0.0.1:${gateway.port}/ws`, 'bob-c', { key });
    clients.push(bob);
    await bob.join('r1-c');

    const ok = await glass(['mod', 'mute', '--room', 'r1-c', '--player', 'bob-c', '--reason', 'spam', '--as', 'mod-cli', '--url', httpUrl]);
    assert.equal(ok.code, 0, ok.stderr);
    const receipt = JSON.parse(ok.stdout) as { room: string; command: string; audit: { id: number; hash: string } };
    assert.deepEqual([receipt.room, receipt.command], ['r1-c', 'mute']);
    assert.deepEqual((await bob.next('moderated')).audit, receipt.audit);

    const usage = await glass(['mod', 'mute', '--room', 'r1-c', '--reason', 'spam', '--as', 'mod-cli', '--url', httpUrl]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--player: required for mute/);

    const playerToken = await tokenFor('bob-c', { key });
    const forbidden = await glass(['mod', 'lock', '--room', 'r1-c', '--reason', 'mine now', '--token', playerToken, '--url', httpUrl]);
    assert.equal(forbidden.code, 1);
    assert.match(forbidden.stderr, /GLASS_ERR_FORBIDDEN/);
    assert.doesNotMatch(forbidden.stderr + forbidden.stdout, new RegExp(playerToken.slice(-20)));
  });

  test('glass audit verify says ok, then names the row someone altered', async () => {
    const env = { GLASS_PG_URL: pgUrl, GLASS_PG_SCHEMA: schema };
    const ok = await glass(['audit', 'verify'], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^ok: 2 rows, head 2 [0-9a-f]{64}\n$/);

    await sql(`UPDATE "${schema}".glass_audit_log SET moderator = 'someone-else' WHERE id = 1`);
    const tampered = await glass(['audit', 'verify'], env);
    assert.equal(tampered.code, 3);
    assert.match(tampered.stdout, /^tampered: row 1 altered/);

    const unset = await glass(['audit', 'verify'], { GLASS_PG_DATA_DIR: join(tmpdir(), `glass-no-pg-${process.pid}`) });
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /GLASS_PG_URL/);
  });
});
