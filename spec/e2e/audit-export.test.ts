// The audit export (clients/moderation/audit-export.ts) to a filesystem ObjectStore, and `glass audit
// verify` checking PostgreSQL against it: on the real server and on the embedded one.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { AUDIT_EXPORT_BUCKET, AuditExport, AuditExportErrors, AuditLog, FileAuditAnchor, type AuditEntry } from '../../clients/index.js';
import { createObjectStore, objectStoreConfigForBucket, objectStoreConfigFromEnv } from '../../cluster/index.js';
import { createLogger, type ObjectStore } from '../../runtime/index.js';
import { PG_BACKENDS, dropSchema, sql, stopEmbeddedPg, uniqueSchema } from '../integration/audit-harness.js';

const GLASS = fileURLToPath(new URL('../../bin/glass.js', import.meta.url));
const silent = createLogger('test', 'silent');

function entry(n: number): AuditEntry {
  return { at: 1_767_225_600_000 + n, node: 'n1', moderator: `mod-${n}`, roles: ['moderator'], source: 'api', outcome: 'accepted', code: null, targetKind: 'room', targetId: 'r1', command: 'mute', args: { player: `p${n}`, reason: 'spam' } };
}

after(() => stopEmbeddedPg());

for (const backend of PG_BACKENDS) describe(`audit export and glass audit verify against it (${backend.name})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-audit-export-'));
  const secret = randomBytes(32).toString('base64');
  const env: NodeJS.ProcessEnv = { ...process.env, GLASS_OBJECTS_DIR: join(dir, 'objects'), GLASS_AUDIT_KEY: secret };
  for (const name of ['GLASS_S3_URL', 'DATABASE_URL', 'GLASS_AUDIT_KEY_FILE']) delete env[name];
  const schema = uniqueSchema('export');
  let url: string;
  let log: AuditLog;
  let store: ObjectStore;

  before(async () => {
    url = await backend.url();
    log = AuditLog.open({ url, schema, logger: silent, key: secret, anchor: new FileAuditAnchor(join(dir, 'anchor')) });
    await log.whenReady();
    store = createObjectStore(objectStoreConfigForBucket(objectStoreConfigFromEnv(env), AUDIT_EXPORT_BUCKET));
  });

  after(async () => {
    await log.close();
    await store.close();
    await dropSchema(schema, url);
    rmSync(dir, { recursive: true, force: true });
  });

  function verify(): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [GLASS, 'audit', 'verify'], { cwd: dir, env: { ...env, GLASS_PG_URL: url, GLASS_PG_SCHEMA: schema, GLASS_AUDIT_ANCHOR_FILE: join(dir, 'anchor') } }, (err, stdout, stderr) =>
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr }),
      );
    });
  }

  test('incremental exports, verified against PostgreSQL; a row changed or deleted after export is named', async () => {
    for (let i = 1; i <= 5; i++) await log.append(entry(i));
    const exporter = new AuditExport(log, store);
    assert.deepEqual(await exporter.run(), { rows: 5, head: 5 });
    assert.equal(await exporter.run(), null, 'nothing new');
    await log.append(entry(6));
    await log.append(entry(7));
    assert.deepEqual(await exporter.run(), { rows: 2, head: 7 });
    assert.equal((await exporter.readHead())?.segments.length, 2);
    assert.deepEqual(await exporter.compare().then((c) => c && [c.exported, c.verdict.ok, c.changed, c.missing]), [7, true, [], []]);
    if (store.versioned) assert.equal((await store.versions(`${exporter.prefix}head.json`)).length, 2, 'each head a version');

    const ok = await verify();
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    assert.match(ok.stdout, /^ok: 7 rows, head 7 [0-9a-f]{64}\nexport: 7 rows, as PostgreSQL holds them\n$/);

    await sql(`UPDATE "${schema}".glass_audit_log SET args = '{"player":"innocent","reason":"spam"}' WHERE id = 3`, [], url);
    await sql(`DELETE FROM "${schema}".glass_audit_log WHERE id = 7`, [], url);
    const found = await exporter.compare();
    assert.deepEqual([found?.changed, found?.missing], [[3], [7]]);
    const tampered = await verify();
    assert.equal(tampered.code, 3);
    assert.equal(tampered.stdout, 'changed after export: row 3 changed, row 7 missing\n');
  });

  test('an export altered in the store is refused, not believed', async () => {
    const exporter = new AuditExport(log, store);
    const headKey = `${exporter.prefix}head.json`;
    const head = (await store.get(headKey)) as Uint8Array;
    const segment = (await exporter.readHead())!.segments[0].key;
    const original = (await store.get(segment)) as Uint8Array;
    await store.put(segment, Buffer.from(Buffer.from(original).toString('utf8').replace('mod-2', 'mod-X')));
    await assert.rejects(exporter.compare(), { code: AuditExportErrors.CORRUPT });
    await store.put(segment, original);
    const forged = JSON.parse(Buffer.from(head).toString('utf8')) as Record<string, unknown>;
    await store.put(headKey, JSON.stringify({ ...forged, id: 99 }));
    await assert.rejects(exporter.readHead(), { code: AuditExportErrors.CORRUPT });
    await store.put(headKey, 'not json');
    await assert.rejects(exporter.readHead(), { code: AuditExportErrors.CORRUPT });
    await store.put(headKey, head);
    assert.equal((await exporter.readHead())?.id, 7);
  });
});
