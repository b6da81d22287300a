import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AuditErrors, AuditLog, FileAuditAnchor, GENESIS_HASH, hashEntry, type AuditEntry } from '../../clients/index.js';
import { createLogger } from '../../runtime/index.js';
import { PG_BACKENDS, TcpProxy, dropSchema, sql as sqlOn, stopEmbeddedPg, uniqueSchema, viaPort } from './audit-harness.js';

const silent = createLogger('test', 'silent');

function entry(n: number, node = 'n1'): Omit<AuditEntry, 'at'> {
  return {
    node,
    moderator: `mod-${n}`,
    roles: ['moderator'],
    source: 'api',
    outcome: 'accepted',
    code: null,
    targetKind: 'room',
    targetId: 'r1',
    command: 'mute',
    args: { player: `p${n}`, reason: 'spam' },
  };
}

after(() => stopEmbeddedPg());

for (const backend of PG_BACKENDS) describe(`audit log in PostgreSQL (${backend.name}, a schema per test)`, () => {
  let url: string;
  const sql = <R extends Record<string, unknown>>(text: string, params: unknown[] = []) => sqlOn<R>(text, params, url);
  const schemas: string[] = [];
  const logs: AuditLog[] = [];
  // The audit key and each schema's anchor file: the test's own, not the working directory's.
  const key = randomBytes(32).toString('base64');
  const anchors = mkdtempSync(join(tmpdir(), 'glass-audit-log-'));

  async function open(options: { schema?: string; url?: string; retry?: { minMs: number; maxMs: number }; patient?: boolean } = {}): Promise<AuditLog> {
    const schema = options.schema ?? uniqueSchema('log');
    if (!schemas.includes(schema)) schemas.push(schema);
    // Short timeouts make an outage quick to see; `patient` is for tests about something else, whose
    // appends may queue behind a hundred others on a loaded machine (what made the four-pools test flaky).
    const timeouts = options.patient === true ? { connectTimeoutMs: 30_000, queryTimeoutMs: 30_000 } : { connectTimeoutMs: 1_000, queryTimeoutMs: 2_000 };
    const log = AuditLog.open({ url: options.url ?? url, schema, logger: silent, retry: options.retry, ...timeouts, key, anchor: new FileAuditAnchor(join(anchors, schema)) });
    logs.push(log);
    return log;
  }

  async function filled(n: number): Promise<AuditLog> {
    const log = await open();
    await log.whenReady();
    for (let i = 1; i <= n; i++) await log.append(entry(i));
    return log;
  }

  before(async () => {
    url = await backend.url();
  });

  after(async () => {
    for (const log of logs) await log.close();
    for (const schema of schemas) await dropSchema(schema, url);
    rmSync(anchors, { recursive: true, force: true });
  });

  test('the schema is created at start, twice without harm, and rows chain from the genesis hash', async () => {
    const schema = uniqueSchema('migrate');
    const first = await open({ schema });
    await first.whenReady();
    const second = await open({ schema });
    await second.whenReady();
    const a = await first.append(entry(1));
    const b = await second.append(entry(2));
    assert.deepEqual([a.id, b.id], [1, 2]);
    const rows = await sql<{ id: string; prev_hash: string; hash: string; args: unknown; roles: string[] }>(`SELECT id, prev_hash, hash, args, roles FROM "${schema}".glass_audit_log ORDER BY id`);
    assert.equal(rows[0].prev_hash, GENESIS_HASH);
    assert.equal(rows[1].prev_hash, a.hash);
    assert.equal(rows[1].hash, b.hash);
    assert.deepEqual(rows[1].args, { player: 'p2', reason: 'spam' });
    const versions = await sql(`SELECT version FROM "${schema}".glass_audit_migrations`);
    assert.deepEqual(versions.map((v) => v.version), [1]);
    assert.deepEqual(await first.verify(), { ok: true, rows: 2, head: { id: 2, hash: b.hash } });
  });

  test('four pools appending at once form one chain with no gap', async () => {
    const schema = uniqueSchema('concurrent');
    const writers = await Promise.all([1, 2, 3, 4].map(() => open({ schema, patient: true })));
    await Promise.all(writers.map((w) => w.whenReady()));
    const receipts = await Promise.all(writers.flatMap((w, k) => Array.from({ length: 25 }, (_, i) => w.append(entry(i, `node-${k}`)))));
    assert.deepEqual(receipts.map((r) => r.id).sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i + 1));
    assert.equal(new Set(receipts.map((r) => r.hash)).size, 100);
    const verdict = await writers[0].verify();
    assert.equal(verdict.ok, true);
    assert.equal(verdict.rows, 100);
  });

  test('verify names a row whose content was updated', async () => {
    const log = await filled(5);
    await sql(`UPDATE ${log.tables.log} SET args = '{"player":"innocent","reason":"spam"}' WHERE id = 3`);
    const verdict = await log.verify();
    assert.deepEqual(verdict.ok ? null : [verdict.kind, verdict.id], ['altered', 3]);
  });

  test('verify names a row that was updated and re-hashed', async () => {
    const log = await filled(5);
    const [row] = await sql<{ prev_hash: string }>(`SELECT prev_hash FROM ${log.tables.log} WHERE id = 2`);
    const [full] = await sql<{ at_ms: string }>(`SELECT at_ms FROM ${log.tables.log} WHERE id = 2`);
    const forged = { ...entry(2), command: 'unmute', at: Number(full.at_ms) };
    await sql(`UPDATE ${log.tables.log} SET command = 'unmute', hash = $1 WHERE id = 2`, [hashEntry(forged, row.prev_hash)]);
    const verdict = await log.verify();
    assert.deepEqual(verdict.ok ? null : [verdict.kind, verdict.id], ['altered', 2]);
  });

  test('verify names a deleted row, in the middle and at the end', async () => {
    const log = await filled(5);
    await sql(`DELETE FROM ${log.tables.log} WHERE id = 4`);
    let verdict = await log.verify();
    assert.deepEqual(verdict.ok ? null : [verdict.kind, verdict.id], ['deleted', 4]);
    const tail = await filled(5);
    await sql(`DELETE FROM ${tail.tables.log} WHERE id = 5`);
    verdict = await tail.verify();
    assert.deepEqual(verdict.ok ? null : [verdict.kind, verdict.id], ['deleted', 5]);
  });

  test('verify names an inserted row, at the end and in the middle', async () => {
    const log = await filled(3);
    const head = (await sql<{ hash: string }>(`SELECT hash FROM ${log.tables.head}`))[0].hash;
    const forged = { ...entry(9), at: Date.now() };
    const insert = (table: string) => `INSERT INTO ${table} (id, at_ms, node, moderator, roles, source, outcome, code, target_kind, target_id, command, args, prev_hash, hash)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`;
    const values = (id: number, prev: string) => [id, forged.at, forged.node, forged.moderator, forged.roles, forged.source, forged.outcome, forged.code, forged.targetKind, forged.targetId, forged.command, JSON.stringify(forged.args), prev, hashEntry(forged, prev)];
    await sql(insert(log.tables.log), values(4, head));
    let verdict = await log.verify();
    assert.deepEqual(verdict.ok ? null : [verdict.kind, verdict.id], ['inserted', 4]);

    const mid = await filled(4);
    const [second] = await sql<{ hash: string }>(`SELECT hash FROM ${mid.tables.log} WHERE id = 2`);
    // Make room for a row 3: ids 3.. move up by one (in two steps: the primary key is checked per row).
    await sql(`UPDATE ${mid.tables.log} SET id = -id WHERE id >= 3`);
    await sql(`UPDATE ${mid.tables.log} SET id = -id + 1 WHERE id < 0`);
    await sql(insert(mid.tables.log), values(3, second.hash));
    await sql(`UPDATE ${mid.tables.head} SET id = 5`);
    verdict = await mid.verify();
    assert.deepEqual(verdict.ok ? null : [verdict.kind, verdict.id], ['inserted', 3]);
  });

  test('PostgreSQL away: appends are refused at once, and the log comes back by itself', async () => {
    const proxy = await TcpProxy.start(url, false);
    try {
      const log = await open({ url: viaPort(url, proxy.port), retry: { minMs: 20, maxMs: 100 } });
      const statuses: string[] = [];
      log.onStatus((s) => statuses.push(s));
      await new Promise<void>((resolve) => (log.status === 'unavailable' ? resolve() : log.onStatus((s) => s === 'unavailable' && resolve())));
      await assert.rejects(log.append(entry(1)), (err: { code?: string }) => err.code === AuditErrors.UNAVAILABLE);

      await proxy.restore();
      await log.whenReady();
      const first = await log.append(entry(1));
      assert.equal(first.id, 1);

      await proxy.cut();
      await assert.rejects(log.append(entry(2)), (err: { code?: string }) => err.code === AuditErrors.UNAVAILABLE);
      assert.notEqual(log.status, 'ready');
      await proxy.restore();
      await log.whenReady();
      const second = await log.append(entry(3));
      assert.equal(second.id, 2);
      assert.deepEqual(await log.verify(), { ok: true, rows: 2, head: second });
      assert.deepEqual(statuses.filter((s, i) => s !== statuses[i - 1]).slice(0, 4), ['unavailable', 'ready', 'unavailable', 'ready']);
    } finally {
      await proxy.cut();
    }
  });

  test('options are checked: a URL that is not postgres, a schema name that would need quoting', () => {
    assert.throws(() => AuditLog.open({ url: 'http://example.com' }), { code: 'GLASS_ERR_INVALID_OPTION' });
    assert.throws(() => AuditLog.open({ url, schema: 'x"; drop table y; --' }), { code: 'GLASS_ERR_INVALID_OPTION' });
  });
});
