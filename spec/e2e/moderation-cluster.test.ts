import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AuditLog, startGateway, type Gateway } from '../../clients/index.js';
import { couchStoreRef, startClusterNode, startEmbeddedCouch, type EmbeddedCouch } from '../../cluster/index.js';
import { createLogger } from '../../runtime/index.js';
import { type GlassNode } from '../../runtime/node/index.js';
import { dropSchema, sql, testPgUrl, uniqueSchema } from '../integration/audit-harness.js';
import { TEST_KEYS, tokenFor } from './tokens.js';
import { REDIS_URL, allSee, deleteKeys } from './cluster-fixture.js';

const PER_NODE = 25;

// Two nodes of one cluster, each with its own gateway and its own connection pool to the audit
// log, take overrides at the same time: the rows still form one chain, with no gap and no fork.
const prefix = `glass-e2e-modc-${process.pid}-${Date.now()}`;
const schema = uniqueSchema('e2e_modc');
const nodes: GlassNode[] = [];
const gateways: Gateway[] = [];
const logs: AuditLog[] = [];
let couch: EmbeddedCouch;
let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'glass-e2e-modc-'));
  couch = await startEmbeddedCouch({ dataDir });
  const url = await testPgUrl();
  for (const nodeId of ['mod-a', 'mod-b']) {
    const node = await startClusterNode({ nodeId, prefix, redisUrl: REDIS_URL, workers: 1, logLevel: 'silent', store: couchStoreRef(couch.url), heartbeatMs: 100, downAfterMs: 1_000 });
    nodes.push(node);
    const audit = AuditLog.open({ url, schema, logger: createLogger('test', 'silent'), key: 'moderation-test-audit-key-0123456789abcdef', anchor: null });
    await audit.whenReady();
    logs.push(audit);
    gateways.push(await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, audit }));
  }
  await allSee(nodes, 2);
});

after(async () => {
  for (const g of gateways) await g.close();
  for (const n of nodes) await n.close();
  for (const l of logs) await l.close();
  await dropSchema(schema);
  await couch?.close();
  await rm(dataDir, { recursive: true, force: true });
  await deleteKeys(REDIS_URL, prefix);
});

test('overrides taken by two nodes at once form one valid audit chain', async () => {
  const token = await tokenFor('warden-c', { roles: ['moderator'] });
  const post = async (gateway: Gateway, i: number): Promise<number> => {
    const res = await fetch(`http://127.0.0.1:${gateway.port}/api/overrides`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ room: `keep-${i % 5}`, command: 'note', text: `note ${i} via ${gateway.node.id}` }),
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return (JSON.parse(text) as { audit: { id: number } }).audit.id;
  };
  const ids = await Promise.all(gateways.flatMap((gateway) => Array.from({ length: PER_NODE }, (_, i) => post(gateway, i))));
  assert.deepEqual([...ids].sort((a, b) => a - b), Array.from({ length: 2 * PER_NODE }, (_, i) => i + 1), 'every override a row, ids without a gap');
  const rows = await sql<{ node: string; n: string }>(`SELECT node, count(*) AS n FROM "${schema}".glass_audit_log GROUP BY node ORDER BY node`);
  assert.deepEqual(rows.map((r) => [r.node, Number(r.n)]), [['mod-a', PER_NODE], ['mod-b', PER_NODE]], 'both nodes appended');
  for (const log of logs) {
    const verdict = await log.verify();
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
    assert.equal(verdict.rows, 2 * PER_NODE);
  }
});
