import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AuditLog, type Gateway } from '../../clients/index.js';
import { createLogger } from '../../runtime/index.js';
import { dropSchema, sql, testPgUrl, uniqueSchema } from '../integration/audit-harness.js';
import { tokenFor } from './tokens.js';
import { NodePair } from './cluster-fixture.js';

const PER_NODE = 25;

// Two nodes of one cluster, each with its own gateway and its own connection pool to the audit
// log, take overrides at the same time: the rows still form one chain, with no gap and no fork.
const schema = uniqueSchema('e2e_modc');
const logs: AuditLog[] = [];
let pair: NodePair;

before(async () => {
  const url = await testPgUrl();
  pair = await NodePair.start({
    ids: ['mod-a', 'mod-b'],
    gatewayFor: async () => {
      const audit = AuditLog.open({ url, schema, logger: createLogger('test', 'silent'), key: 'moderation-test-audit-key-0123456789abcdef', anchor: null });
      logs.push(audit);
      await audit.whenReady();
      return { audit };
    },
  });
});

after(async () => {
  await pair?.close();
  for (const l of logs) await l.close();
  await dropSchema(schema);
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
  const ids = await Promise.all(pair.gateways.flatMap((gateway) => Array.from({ length: PER_NODE }, (_, i) => post(gateway, i))));
  assert.deepEqual([...ids].sort((a, b) => a - b), Array.from({ length: 2 * PER_NODE }, (_, i) => i + 1), 'every override a row, ids without a gap');
  const rows = await sql<{ node: string; n: string }>(`SELECT node, count(*) AS n FROM "${schema}".glass_audit_log GROUP BY node ORDER BY node`);
  assert.deepEqual(rows.map((r) => [r.node, Number(r.n)]), [['mod-a', PER_NODE], ['mod-b', PER_NODE]], 'both nodes appended');
  for (const log of logs) {
    const verdict = await log.verify();
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
    assert.equal(verdict.rows, 2 * PER_NODE);
  }
});
