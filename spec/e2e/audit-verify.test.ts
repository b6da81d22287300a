// glass audit verify against a real PostgreSQL: the keyed chain and its anchor catch what a plain
// hash chain inside the database could not (a deleted tail, a rewritten and re-hashed row, an
// emptied table), and say which.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { AuditKey, AuditLog, FileAuditAnchor, GENESIS_HASH, hashEntry, macEntry, type AuditEntry } from '../../clients/index.js';
import { createLogger } from '../../runtime/index.js';
import { PG_BACKENDS, dropSchema, sql as sqlOn, stopEmbeddedPg, uniqueSchema } from '../integration/audit-harness.js';

const GLASS = fileURLToPath(new URL('../../bin/glass.js', import.meta.url));
const silent = createLogger('test', 'silent');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function entry(n: number): AuditEntry {
  return { at: 1_767_225_600_000 + n, node: 'n1', moderator: `mod-${n}`, roles: ['moderator'], source: 'api', outcome: 'accepted', code: null, targetKind: 'room', targetId: 'r1', command: 'mute', args: { player: `p${n}`, reason: 'spam' } };
}

const COLUMNS = 'id, at_ms, node, moderator, roles, source, outcome, code, target_kind, target_id, command, args, prev_hash, hash';
const values = (id: number, e: AuditEntry, prev: string, hash: string) => [id, e.at, e.node, e.moderator, e.roles, e.source, e.outcome, e.code, e.targetKind, e.targetId, e.command, JSON.stringify(e.args), prev, hash];

after(() => stopEmbeddedPg());

for (const backend of PG_BACKENDS) describe(`glass audit verify: keyed chain, anchor outside PostgreSQL (${backend.name})`, () => {
  const sql = <R extends Record<string, unknown>>(text: string, params: unknown[] = []) => sqlOn<R>(text, params, url);
  const secret = randomBytes(32).toString('base64');
  const dir = mkdtempSync(join(tmpdir(), 'glass-audit-'));
  let url: string;
  const schemas: string[] = [];
  const logs: AuditLog[] = [];

  /** A log of `n` rows in a schema of its own, with its anchor file. */
  async function filled(n: number, label: string): Promise<{ log: AuditLog; schema: string; anchorFile: string }> {
    const schema = uniqueSchema(label);
    schemas.push(schema);
    const anchorFile = join(dir, `${schema}.anchor`);
    const log = AuditLog.open({ url, schema, logger: silent, key: secret, anchor: new FileAuditAnchor(anchorFile) });
    logs.push(log);
    await log.whenReady();
    for (let i = 1; i <= n; i++) await log.append(entry(i));
    return { log, schema, anchorFile };
  }

  function verify(schema: string, anchorFile: string | null, env: Record<string, string> = {}): Promise<Run> {
    const base = { ...process.env };
    for (const name of ['GLASS_PG_URL', 'DATABASE_URL', 'GLASS_PG_SCHEMA', 'GLASS_AUDIT_KEY', 'GLASS_AUDIT_KEY_FILE', 'GLASS_AUDIT_ANCHOR_FILE']) delete base[name];
    const anchorEnv: Record<string, string> = anchorFile === null ? { GLASS_AUDIT_ANCHOR_FILE: join(dir, 'none', 'missing') } : { GLASS_AUDIT_ANCHOR_FILE: anchorFile };
    return new Promise((resolve) => {
      execFile(process.execPath, [GLASS, 'audit', 'verify'], { cwd: dir, env: { ...base, GLASS_PG_URL: url, GLASS_PG_SCHEMA: schema, GLASS_AUDIT_KEY: secret, ...anchorEnv, ...env } }, (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
      });
    });
  }

  before(async () => {
    url = await backend.url();
  });

  after(async () => {
    for (const log of logs) await log.close();
    for (const schema of schemas) await dropSchema(schema, url);
    rmSync(dir, { recursive: true, force: true });
  });

  test('an intact log verifies; its anchor is a 0600 file naming the head, and holds no key', async () => {
    const { log, schema, anchorFile } = await filled(3, 'ok');
    const ok = await verify(schema, anchorFile);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    const [last] = await sql<{ hash: string }>(`SELECT hash FROM ${log.tables.log} WHERE id = 3`);
    assert.equal(ok.stdout, `ok: 3 rows, head 3 ${last.hash}\n`);
    assert.equal(statSync(anchorFile).mode & 0o777, 0o600);
    const anchor = JSON.parse(readFileSync(anchorFile, 'utf8')) as { id: number; hash: string; count: number };
    assert.deepEqual([anchor.id, anchor.hash, anchor.count], [3, last.hash, 3]);
    assert.doesNotMatch(readFileSync(anchorFile, 'utf8'), new RegExp(secret.slice(0, 16).replace(/[+/]/g, '.')));
  });

  test('a deleted tail (no head row to move any more) is tampered: deleted, at the first missing row', async () => {
    const { log, schema, anchorFile } = await filled(5, 'tail');
    await sql(`DELETE FROM ${log.tables.log} WHERE id > 3`);
    const run = await verify(schema, anchorFile);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stdout, /^tampered: row 4 deleted \(the log ends at row 3; its anchor says 5\)/);
  });

  test('a row rewritten and re-hashed (SHA-256, or an HMAC with a guessed key) is tampered: altered', async () => {
    const { log, schema, anchorFile } = await filled(4, 'rehash');
    const rows = await sql<{ id: string; at_ms: string; prev_hash: string }>(`SELECT id, at_ms, prev_hash FROM ${log.tables.log} ORDER BY id`);
    // Rewrite row 2 and re-chain every row after it, as someone with the database but not the key can.
    let prev = rows[1].prev_hash;
    const guessed = AuditKey.of(randomBytes(32).toString('base64'));
    for (let id = 2; id <= 4; id++) {
      const e = { ...entry(id), at: Number(rows[id - 1].at_ms), command: id === 2 ? 'unmute' : 'mute' };
      const hash = macEntry(guessed, e, prev);
      await sql(`UPDATE ${log.tables.log} SET command = $1, prev_hash = $2, hash = $3 WHERE id = $4`, [e.command, prev, hash, id]);
      prev = hash;
    }
    const run = await verify(schema, anchorFile);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stdout, /^tampered: row 2 altered/);

    const legacy = await filled(3, 'rehash_sha');
    const [row] = await sql<{ at_ms: string; prev_hash: string }>(`SELECT at_ms, prev_hash FROM ${legacy.log.tables.log} WHERE id = 3`);
    const forged = { ...entry(3), at: Number(row.at_ms), command: 'kick' };
    await sql(`UPDATE ${legacy.log.tables.log} SET command = 'kick', hash = $1 WHERE id = 3`, [hashEntry(forged, row.prev_hash)]);
    const last = await verify(legacy.schema, legacy.anchorFile);
    assert.equal(last.code, 3, last.stderr);
    assert.match(last.stdout, /^tampered: row 3 altered/);
  });

  test('an emptied table is tampered: emptied; without an anchor verify exits 4, with an edited anchor 1', async () => {
    const { log, schema, anchorFile } = await filled(4, 'empty');
    await sql(`DELETE FROM ${log.tables.log}`);
    const run = await verify(schema, anchorFile);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stdout, /^tampered: row 1 emptied \(the log has no rows; its anchor says 4/);

    const other = await filled(2, 'unanchored');
    const unanchored = await verify(other.schema, null);
    assert.equal(unanchored.code, 4, unanchored.stderr);
    assert.match(unanchored.stdout, /^unanchored: 2 rows verify/);

    const text = JSON.parse(readFileSync(other.anchorFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(other.anchorFile, JSON.stringify({ ...text, id: 1 }), { mode: 0o600 });
    const edited = await verify(other.schema, other.anchorFile);
    assert.equal(edited.code, 1);
    assert.match(edited.stderr, /GLASS_ERR_AUDIT_ANCHOR/);

    const wrongKey = await verify(schema, anchorFile, { GLASS_AUDIT_KEY: randomBytes(32).toString('base64') });
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /GLASS_ERR_AUDIT_ANCHOR/);
    assert.doesNotMatch(run.stdout + run.stderr + wrongKey.stderr, new RegExp(secret.slice(0, 16).replace(/[+/]/g, '.')));
  });

  test('a log of legacy SHA-256 rows still verifies, keyed rows follow it, and a legacy row after them does not', async () => {
    const schema = uniqueSchema('legacy');
    schemas.push(schema);
    const first = AuditLog.open({ url, schema, logger: silent, key: secret, anchor: null });
    logs.push(first);
    await first.whenReady();
    // Two rows as the previous release wrote them (plain SHA-256), before any node had an audit key.
    let prev = GENESIS_HASH;
    for (let id = 1; id <= 2; id++) {
      const hash = hashEntry(entry(id), prev);
      await sql(`INSERT INTO "${schema}".glass_audit_log (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, values(id, entry(id), prev, hash));
      prev = hash;
    }
    const anchorFile = join(dir, `${schema}.anchor`);
    const log = AuditLog.open({ url, schema, logger: silent, key: secret, anchor: new FileAuditAnchor(anchorFile) });
    logs.push(log);
    await log.whenReady();
    const third = await log.append(entry(3));
    assert.equal(third.id, 3);
    const ok = await verify(schema, anchorFile);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    assert.match(ok.stdout, /^ok: 3 rows, head 3 /);

    // A legacy row slipped in at the end, hashed the old way: past the anchor, not keyed.
    await sql(`INSERT INTO "${schema}".glass_audit_log (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, values(4, entry(4), third.hash, hashEntry(entry(4), third.hash)));
    const run = await verify(schema, anchorFile);
    assert.equal(run.code, 3);
    assert.match(run.stdout, /^tampered: row 4 inserted/);
  });

  test('a node that starts on a table that lost its tail keeps the anchor where it was', async () => {
    const { log, schema, anchorFile } = await filled(4, 'frozen');
    await log.close();
    await sql(`DELETE FROM ${log.tables.log} WHERE id > 2`);
    const again = AuditLog.open({ url, schema, logger: silent, key: secret, anchor: new FileAuditAnchor(anchorFile) });
    logs.push(again);
    await again.whenReady();
    for (let i = 0; i < 3; i++) await again.append(entry(10 + i));
    assert.match(again.anchorStats()?.frozen ?? '', /row 4/);
    const run = await verify(schema, anchorFile);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stdout, /^tampered: row 4 altered \(row 4's MAC is not the one its anchor recorded\)/);
  });
});
