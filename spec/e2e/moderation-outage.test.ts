import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuditLog, ProtocolErrors, startGateway, type AuditStatus, type Gateway } from '../../clients/index.js';
import { MEMORY_STORE, startDefaultNode } from '../../cluster/index.js';
import { createLogger } from '../../runtime/index.js';
import { type GlassNode } from '../../runtime/node/index.js';
import { TcpProxy, dropSchema, sql, testPgUrl, uniqueSchema, viaPort } from '../integration/audit-harness.js';
import { TEST_KEYS, tokenFor } from './tokens.js';
import { TestClient } from './ws-client.js';

function statusReached(audit: AuditLog, wanted: AuditStatus): Promise<void> {
  return new Promise((resolve) => {
    if (audit.status === wanted) return resolve();
    const off = audit.onStatus((s) => {
      if (s !== wanted) return;
      off();
      resolve();
    });
  });
}

describe('moderation while PostgreSQL is away (a TCP proxy in front of the real server)', () => {
  let node: GlassNode;
  let gateway: Gateway;
  let audit: AuditLog;
  let proxy: TcpProxy;
  let schema: string;
  let wsUrl: string;
  let httpUrl: string;
  const clients: TestClient[] = [];

  async function connect(url: string, player: string, roles: ('player' | 'moderator')[] = ['player']): Promise<TestClient> {
    const client = await TestClient.connect(url, player, { roles });
    clients.push(client);
    return client;
  }

  async function post(url: string, body: unknown): Promise<{ status: number; json: { code?: string; audit?: { id: number } } }> {
    const res = await fetch(url + '/api/overrides', {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenFor('mod-o', { roles: ['moderator'] })}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as { code?: string } };
  }

  before(async () => {
    const pgUrl = await testPgUrl();
    // Closed at first: the node starts with its audit log's server unreachable.
    proxy = await TcpProxy.start(pgUrl, false);
    schema = uniqueSchema('outage');
    node = await startDefaultNode({ workers: 2, logLevel: 'silent', store: MEMORY_STORE });
    audit = AuditLog.open({ url: viaPort(pgUrl, proxy.port), schema, logger: createLogger('test', 'silent'), retry: { minMs: 20, maxMs: 200 }, connectTimeoutMs: 1_000, queryTimeoutMs: 2_000, key: 'moderation-test-audit-key-0123456789abcdef', anchor: null });
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, audit });
    wsUrl = `ws://127.0.0.1:${gateway.port}/ws`;
    httpUrl = `http://127.0.0.1:${gateway.port}`;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gateway?.close();
    await node?.close();
    await audit?.close();
    await proxy?.cut();
    if (schema !== undefined) await dropSchema(schema);
  });

  test('unreachable at start: players are served, overrides refused, and accepted once PostgreSQL is reachable', async () => {
    await statusReached(audit, 'unavailable');
    const ann = await connect(wsUrl, 'ann-o');
    const mod = await connect(wsUrl, 'warden-o', ['moderator']);
    await ann.join('square-o');
    ann.send({ type: 'say', room: 'square-o', text: 'business as usual' });
    assert.equal((await ann.next('said')).line.text, 'business as usual');

    const refused = await mod.expectError({ type: 'override', room: 'square-o', command: 'mute', player: 'ann-o', reason: 'test', ref: 'm1' }, 'm1');
    assert.equal(refused.code, ProtocolErrors.AUDIT_UNAVAILABLE);
    const viaApi = await post(httpUrl, { room: 'square-o', command: 'mute', player: 'ann-o', reason: 'test' });
    assert.deepEqual([viaApi.status, viaApi.json.code], [503, ProtocolErrors.AUDIT_UNAVAILABLE]);
    // Not applied: ann still talks, and nobody saw a moderated frame.
    ann.send({ type: 'say', room: 'square-o', text: 'not muted' });
    assert.equal((await ann.next('said')).line.text, 'not muted');
    assert.deepEqual(ann.seen.filter((f) => f.type === 'moderated'), []);

    await proxy.restore();
    await audit.whenReady();
    const accepted = await post(httpUrl, { room: 'square-o', command: 'mute', player: 'ann-o', reason: 'test' });
    assert.equal(accepted.status, 200);
    assert.equal((await ann.next('moderated')).audit.id, accepted.json.audit!.id);
    assert.equal((await ann.expectError({ type: 'say', room: 'square-o', text: 'hm', ref: 'a1' }, 'a1')).code, ProtocolErrors.MUTED);
  });

  test('lost while running: overrides are refused (never applied unaudited) until it is back', async () => {
    const ann = clients.find((c) => c.player === 'ann-o')!;
    await proxy.cut();
    const refused = await post(httpUrl, { room: 'square-o', command: 'unmute', player: 'ann-o', reason: 'sorry' });
    assert.deepEqual([refused.status, refused.json.code], [503, ProtocolErrors.AUDIT_UNAVAILABLE]);
    assert.equal((await ann.expectError({ type: 'say', room: 'square-o', text: 'still?', ref: 'a2' }, 'a2')).code, ProtocolErrors.MUTED);

    await proxy.restore();
    await audit.whenReady();
    assert.equal((await post(httpUrl, { room: 'square-o', command: 'unmute', player: 'ann-o', reason: 'sorry' })).status, 200);
    ann.send({ type: 'say', room: 'square-o', text: 'free again' });
    assert.equal((await ann.next('said', (f) => f.line.text === 'free again')).line.from, 'ann-o');

    const rows = await sql<{ command: string; outcome: string }>(`SELECT command, outcome FROM "${schema}".glass_audit_log ORDER BY id`);
    assert.deepEqual(rows.map((r) => [r.command, r.outcome]), [['mute', 'accepted'], ['unmute', 'accepted']]);
    assert.equal((await audit.verify()).ok, true);
  });

  test('a gateway with no audit log configured refuses every override', async () => {
    const bare = await startDefaultNode({ workers: 1, logLevel: 'silent', store: MEMORY_STORE });
    const bareGateway = await startGateway({ node: bare, port: 0, host: '127.0.0.1', ...TEST_KEYS });
    try {
      const url = `http://127.0.0.1:${bareGateway.port}`;
      const res = await post(url, { room: 'void-o', command: 'pause', reason: 'x' });
      assert.deepEqual([res.status, res.json.code], [503, ProtocolErrors.AUDIT_UNAVAILABLE]);
      const mod = await connect(`ws://127.0.0.1:${bareGateway.port}/ws`, 'warden-bare', ['moderator']);
      const err = await mod.expectError({ type: 'override', room: 'void-o', command: 'pause', reason: 'x', ref: 'p' }, 'p');
      assert.equal(err.code, ProtocolErrors.AUDIT_UNAVAILABLE);
      await mod.close();
    } finally {
      await bareGateway.close();
      await bare.close();
    }
  });
});
