// Refusals are audited within a bound per caller: a burst of refused requests from one caller
// writes at most the bound's rows, and the recorder counts the rest (a real gateway, PostgreSQL).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ANONYMOUS, AuditLog, ProtocolErrors, startGateway, type Gateway } from '../../clients/index.js';
import { MEMORY_STORE, startDefaultNode } from '../../cluster/index.js';
import { createLogger } from '../../runtime/index.js';
import { type GlassNode } from '../../runtime/node/index.js';
import { dropSchema, sql, testPgUrl, uniqueSchema } from '../integration/audit-harness.js';
import { TEST_KEYS, tokenFor } from './tokens.js';

const BURST = 5;

describe('refusals audited, with a bound per caller (gateway, moderation API, ops API, PostgreSQL)', () => {
  let node: GlassNode;
  let gateway: Gateway;
  let audit: AuditLog;
  let base: string;
  const schema = uniqueSchema('refusals');
  const started = Date.now();

  async function rows(where: string, params: unknown[]): Promise<{ moderator: string; source: string; outcome: string; code: string; command: string | null; args: Record<string, unknown> }[]> {
    return sql(`SELECT moderator, source, outcome, code, command, args FROM "${schema}".glass_audit_log WHERE ${where} ORDER BY id`, params);
  }

  /** Refills at 1 a minute: a test shorter than that gets no more than the burst (plus one per minute run). */
  const bound = (): number => BURST + Math.floor((Date.now() - started) / 60_000);

  before(async () => {
    node = await startDefaultNode({ workers: 1, logLevel: 'silent', store: MEMORY_STORE });
    audit = AuditLog.open({ url: await testPgUrl(), schema, logger: createLogger('test', 'silent'), key: randomBytes(32).toString('base64'), anchor: null, refusalBound: { burst: BURST, perMinute: 1 } });
    await audit.whenReady();
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, audit });
    base = `http://127.0.0.1:${gateway.port}`;
  });

  after(async () => {
    await gateway?.close();
    await node?.close();
    await audit?.close();
    await dropSchema(schema);
  });

  test('200 refused overrides from one player write at most the bound; the rest are counted', async () => {
    const token = await tokenFor('flooder', {});
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        fetch(`${base}/api/overrides`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ room: 'r1', command: 'lock', reason: `try ${i}` }) }).then((r) => r.status),
      ),
    );
    // The moderation API's own rate limit answers some with 429 (not audited); every other one is 403.
    const forbidden = answers.filter((s) => s === 403).length;
    assert.ok(forbidden > BURST, `only ${forbidden} were refused with 403`);
    assert.ok(answers.every((s) => s === 403 || s === 429));
    const written = await rows('moderator = $1', ['flooder']);
    assert.ok(written.length <= bound() && written.length >= BURST, `${written.length} rows`);
    assert.ok(written.every((r) => r.outcome === 'refused' && r.code === ProtocolErrors.FORBIDDEN && r.source === 'api'));
    const stats = audit.refusals.stats();
    assert.equal(stats.written, written.length);
    assert.equal(stats.suppressed, forbidden - written.length);
  });

  test('200 requests without a valid token (401) on the ops and moderation APIs are audited by address, within its bound', async () => {
    const before = audit.refusals.stats();
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (i % 2 === 0 ? fetch(`${base}/ops/api/view`) : fetch(`${base}/api/overrides`, { method: 'POST', headers: { authorization: 'Bearer forged' }, body: '{}' })).then((r) => r.status),
      ),
    );
    assert.ok(answers.every((s) => s === 401));
    const written = await rows('moderator = $1', [ANONYMOUS]);
    assert.ok(written.length <= bound() && written.length >= BURST, `${written.length} rows`);
    assert.ok(written.every((r) => r.outcome === 'refused' && typeof r.args.address === 'string' && (r.code === ProtocolErrors.TOKEN_MISSING || r.code === ProtocolErrors.TOKEN_INVALID)));
    assert.ok(written.some((r) => r.source === 'ops' && r.command === 'ops:/ops/api/view'));
    const stats = audit.refusals.stats();
    assert.equal(stats.written - before.written, written.length);
    assert.equal(stats.suppressed - before.suppressed, 200 - written.length);
  });

  test('a refused ops action and a 403 on the ops API are audited, under the operator’s name', async () => {
    const ops = await tokenFor('operator-1', { roles: ['ops'] });
    const bad = await fetch(`${base}/ops/api/actions`, { method: 'POST', headers: { authorization: `Bearer ${ops}` }, body: JSON.stringify({ action: 'explode' }) });
    assert.equal(bad.status, 400);
    const player = await tokenFor('curious-1', {});
    const denied = await fetch(`${base}/ops/api/actions`, { method: 'POST', headers: { authorization: `Bearer ${player}` }, body: JSON.stringify({ action: 'drain-node', node: node.id }) });
    assert.equal(denied.status, 403);
    const written = await rows('moderator = ANY($1)', [['operator-1', 'curious-1']]);
    assert.deepEqual(
      written.map((r) => [r.moderator, r.source, r.outcome, r.code, r.command]),
      [
        ['operator-1', 'ops', 'refused', 'GLASS_ERR_OPS_INVALID_REQUEST', 'ops:/ops/api/actions'],
        ['curious-1', 'ops', 'refused', ProtocolErrors.FORBIDDEN, 'ops:/ops/api/actions'],
      ],
    );
    assert.equal((await audit.verify()).ok, true);
  });
});
