import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadSafetyRegistry, DEFAULT_SAFETY_REGISTRY } from '../../actors/session/safety-registry.js';
import { AuditLog, FileAuditAnchor } from '../../clients/index.js';
import { auditSafetyRegistry } from '../../clients/moderation/safety-audit.js';
import { createLogger } from '../../runtime/index.js';
import { dropSchema, sql, testPgUrl, uniqueSchema } from './audit-harness.js';

describe('safety registry changes reach the audit chain (real PostgreSQL)', () => {
  const schema = uniqueSchema('safety');
  const anchors = mkdtempSync(join(tmpdir(), 'glass-safety-audit-'));
  const key = randomBytes(32).toString('base64');
  let log: AuditLog;

  before(async () => {
    log = AuditLog.open({ url: await testPgUrl(), schema, logger: createLogger('test', 'silent'), key, anchor: new FileAuditAnchor(join(anchors, schema)) });
    await log.whenReady();
  });

  after(async () => {
    await log.close();
    await dropSchema(schema);
    rmSync(anchors, { recursive: true, force: true });
  });

  const rows = () => sql<{ id: string; moderator: string; command: string; target_kind: string; args: Record<string, string> }>(`SELECT id, moderator, command, target_kind, args FROM "${schema}".glass_audit_log ORDER BY id`);

  test('first start: one row; the same registry again: none; a changed registry: a row naming the change', async () => {
    const first = loadSafetyRegistry(DEFAULT_SAFETY_REGISTRY);
    const a = await auditSafetyRegistry(log, first, undefined, { node: 'n1' });
    assert.equal(a.written, true);
    assert.deepEqual(a.change.added, first.categories.map((c) => c.name));
    let stored = await rows();
    assert.equal(stored.length, 1);
    assert.deepEqual([stored[0].moderator, stored[0].command, stored[0].target_kind, stored[0].args.version, stored[0].args.previous], ['config', 'safety-registry', 'safety-registry', first.version, '']);

    // A restart with the same file: a fresh registry object, same content.
    const again = await auditSafetyRegistry(log, loadSafetyRegistry(JSON.stringify(DEFAULT_SAFETY_REGISTRY)));
    assert.equal(again.written, false);
    assert.equal((await rows()).length, 1);

    const categories = structuredClone(DEFAULT_SAFETY_REGISTRY.categories) as Record<string, { description?: string; patterns: string[] }>;
    delete categories['real-world-doxxing'];
    categories['weapons-instructions'].patterns.push('how to make thermite');
    categories['cheating-tools'] = { patterns: ['aimbot download'] };
    const changed = loadSafetyRegistry({ categories });
    const c = await auditSafetyRegistry(log, changed);
    assert.equal(c.written, true);
    stored = await rows();
    assert.equal(stored.length, 2);
    assert.deepEqual(
      { version: stored[1].args.version, previous: stored[1].args.previous, added: stored[1].args.added, removed: stored[1].args.removed, changed: stored[1].args.changed },
      { version: changed.version, previous: first.version, added: 'cheating-tools', removed: 'real-world-doxxing', changed: 'weapons-instructions' },
    );
    // Other rows in between (overrides) do not hide the last registry row.
    await log.append({ node: 'n1', moderator: 'm', roles: ['moderator'], source: 'api', outcome: 'accepted', code: null, targetKind: 'room', targetId: 'r', command: 'mute', args: { player: 'p' } });
    assert.equal((await auditSafetyRegistry(log, changed)).written, false);
    const verdict = (await log.verify()) as { ok: boolean; rows: number };
    assert.deepEqual([verdict.ok, verdict.rows], [true, 3], 'the registry rows are links of the same MAC chain');
  });
});
