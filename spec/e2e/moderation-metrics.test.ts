// telemetry.moderation.overrides end to end: overrides applied through the desk (HTTP API, real
// PostgreSQL audit log) are counted in /metrics as glass_moderation_overrides_total{command,target}
// and shown in the node's ops report and the ops tree; a refused override is not counted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuditLog, renderTree, startGateway, type Gateway } from '../../clients/index.js';
import { MEMORY_STORE, defaultNodeOptions } from '../../cluster/index.js';
import { createLogger } from '../../runtime/index.js';
import { startNode, type GlassNode } from '../../runtime/node/index.js';
import { dropSchema, testPgUrl, uniqueSchema } from '../integration/audit-harness.js';
import { fixtureTurnService } from '../fixtures/turn-runner-fixtures.js';
import { TEST_KEYS, tokenFor } from './tokens.js';
import { TestClient } from './ws-client.js';

describe('moderation overrides counter (glass_moderation_overrides_total, ops view)', () => {
  let node: GlassNode;
  let gateway: Gateway;
  let audit: AuditLog;
  let schema: string;
  let httpUrl: string;
  const clients: TestClient[] = [];

  before(async () => {
    node = await startNode(defaultNodeOptions({ workers: 1, logLevel: 'silent', store: MEMORY_STORE, services: { turns: fixtureTurnService() } }));
    schema = uniqueSchema('e2e_modmetrics');
    audit = AuditLog.open({ url: await testPgUrl(), schema, logger: createLogger('test', 'silent'), key: 'moderation-metrics-audit-key-0123456789abcdef', anchor: null });
    await audit.whenReady();
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, audit });
    httpUrl = `http://127.0.0.1:${gateway.port}`;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gateway?.close();
    await node?.close();
    await audit?.close();
    if (schema !== undefined) await dropSchema(schema);
  });

  async function post(body: unknown, roles: string[] = ['moderator']): Promise<number> {
    const token = await tokenFor('warden-mm', { roles } as never);
    const res = await fetch(`${httpUrl}/api/overrides`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await res.arrayBuffer();
    return res.status;
  }

  async function metrics(): Promise<string> {
    const token = await tokenFor('ops-mm', { roles: ['ops'] } as never);
    const res = await fetch(`${httpUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    return res.text();
  }

  const sample = (text: string, command: string, target: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith('glass_moderation_overrides_total{') && l.includes(`command="${command}"`) && l.includes(`target="${target}"`));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  test('applied overrides are counted by command and target kind; a refused one is not', async () => {
    const ann = await TestClient.connect(`ws://127.0.0.1:${gateway.port}/ws`, 'ann-mm');
    clients.push(ann);
    await ann.join('hall-mm');
    ann.send({ type: 'join-session', session: 'tale-mm', ref: 'js' });
    await ann.next('session-joined', (f) => f.ref === 'js');
    assert.equal(await post({ room: 'hall-mm', command: 'mute', player: 'ann-mm', reason: 'spam' }), 200);
    assert.equal(await post({ room: 'hall-mm', command: 'unmute', player: 'ann-mm', reason: 'ok' }), 200);
    assert.equal(await post({ session: 'tale-mm', command: 'pause', reason: 'break' }), 200);
    assert.equal(await post({ session: 'tale-mm', command: 'pause', reason: 'again' }), 200);
    // Refused (no moderator role): audited as refused, not applied, not counted.
    assert.equal(await post({ session: 'tale-mm', command: 'resume', reason: 'x' }, ['player']), 403);

    const text = await metrics();
    assert.match(text, /# TYPE glass_moderation_overrides_total counter/);
    assert.equal(sample(text, 'mute', 'room'), 1);
    assert.equal(sample(text, 'unmute', 'room'), 1);
    assert.equal(sample(text, 'pause', 'session'), 2);
    assert.equal(sample(text, 'resume', 'session'), undefined);

    const report = await gateway.ops.service.report();
    assert.deepEqual(report.moderation, { overrides: { 'mute:room': 1, 'unmute:room': 1, 'pause:session': 2 } });
    const view = await gateway.ops.service.view();
    assert.match(renderTree(view), /overrides 4 \(mute:room 1, unmute:room 1, pause:session 2\)/);
  });
});
