// An ops action asked on one node for another travels with the operator's token: the node that acts
// verifies it itself (its public key, the `ops` role) and writes the audit row in its own log before
// it acts. A request signed with the cluster key but carrying no token (or a bad one) — what a
// compromised process holding the cluster key could publish — is refused, audited as a refusal, and
// nothing happens. Two real nodes on the real Redis, each with its own PostgreSQL audit log.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { room } from '../../actors/index.js';
import { AuditLog, generateTokenKeyPair, opsAuditHook, opsRefusalHook, startGateway, type Gateway } from '../../clients/index.js';
import { ANONYMOUS } from '../../clients/moderation/index.js';
import { couchStoreRef, startClusterNode, startEmbeddedCouch, startOpsPublisher, type EmbeddedCouch, type OpsPublisher } from '../../cluster/index.js';
import { GlassError, createLogger } from '../../runtime/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { dropSchema, sql, testPgUrl, uniqueSchema } from '../integration/audit-harness.js';
import { call } from './ops-harness.js';
import { TEST_KEYS, TEST_PAIR, tokenFor } from './tokens.js';
import { REDIS_URL, allSee, deleteKeys } from './cluster-fixture.js';

interface Row {
  id: string;
  node: string;
  moderator: string;
  outcome: string;
  code: string | null;
  command: string | null;
  target_kind: string | null;
  target_id: string | null;
  args: Record<string, unknown>;
  hash: string;
}

describe('forwarded ops actions are authorised and audited by the node that acts (two nodes, real Redis and PostgreSQL)', () => {
  const prefix = `glass-opsauth-${process.pid}-${Date.now()}`;
  const ids = ['opa', 'opb'];
  const schemas = ids.map((id) => uniqueSchema(`e2e_opsauth_${id}`));
  const nodes: GlassNode[] = [];
  const gateways: Gateway[] = [];
  const logs: AuditLog[] = [];
  let rogue: OpsPublisher;
  let couch: EmbeddedCouch;
  let dataDir: string;
  let token: string;
  const base = (i: number): string => `http://127.0.0.1:${gateways[i].port}`;
  const rows = (i: number): Promise<Row[]> => sql<Row>(`SELECT id, node, moderator, outcome, code, command, target_kind, target_id, args, hash FROM "${schemas[i]}".glass_audit_log ORDER BY id`);

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'glass-opsauth-'));
    couch = await startEmbeddedCouch({ dataDir });
    const url = await testPgUrl();
    for (const [i, nodeId] of ids.entries()) {
      const node = await startClusterNode({ nodeId, prefix, redisUrl: REDIS_URL, workers: 1, logLevel: 'silent', store: couchStoreRef(couch.url), heartbeatMs: 100, downAfterMs: 1_000 });
      nodes.push(node);
      const audit = AuditLog.open({ url, schema: schemas[i], logger: createLogger('test', 'silent'), key: 'ops-auth-test-audit-key-0123456789abcdef', anchor: null });
      await audit.whenReady();
      logs.push(audit);
      const gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS });
      gateways.push(gateway);
      gateway.ops.service.setAudit(opsAuditHook(audit));
      gateway.ops.setRefusalAudit(opsRefusalHook(audit, nodeId));
      const publisher = await startOpsPublisher({ redisUrl: REDIS_URL, prefix, nodeId, ttlMs: 3_000 });
      node.onClose(() => publisher.close());
      gateway.ops.service.useCluster(publisher);
    }
    // A process that holds the cluster key but no operator's token.
    rogue = await startOpsPublisher({ redisUrl: REDIS_URL, prefix, nodeId: 'rogue', ttlMs: 3_000 });
    await allSee(nodes, 2);
    token = await tokenFor('alice-op', { roles: ['ops'] });
  });

  after(async () => {
    await rogue?.close();
    for (const g of gateways) await g.close();
    for (const n of nodes) await n.close();
    for (const l of logs) await l.close();
    for (const s of schemas) await dropSchema(s);
    await couch?.close();
    await rm(dataDir, { recursive: true, force: true });
    await deleteKeys(REDIS_URL, prefix);
  });

  /** Room ids the cluster places on `node`, each joined (so active there). */
  const activeRoomsOn = async (node: string, count: number, stem: string): Promise<string[]> => {
    const out: string[] = [];
    for (let i = 0; out.length < count; i++) if (nodes[0].locate('room', `${stem}-${i}`).node === node) out.push(`${stem}-${i}`);
    await Promise.all(out.map((id) => room.ref(nodes[0], id).ask({ type: 'join', player: 'p', node: 'opa' })));
    return out;
  };
  const activeOnB = async (id: string): Promise<boolean> => (await nodes[1].findActors(1, { kind: 'room', q: id })).actors.some((a) => a.id === id && a.status === 'active');

  test('an action through opa on opb is audited on opb, with the operator’s name, before it is carried out', async () => {
    const [id] = await activeRoomsOn('opb', 1, 'fwd-hall');
    assert.equal(await activeOnB(id), true);
    const beforeA = (await rows(0)).length;
    const done = await call(base(0), '/ops/api/actions', token, { action: 'passivate', kind: 'room', id });
    assert.equal(done.status, 200, done.text);
    assert.equal(done.body.node, 'opb');
    assert.equal(done.body.done, true);
    assert.equal(await activeOnB(id), false, 'passivated on opb');

    const onB = (await rows(1)).filter((r) => r.command === 'ops:passivate');
    assert.equal(onB.length, 1);
    const row = onB[0];
    assert.equal(row.node, 'opb', 'written by the node that acted');
    assert.equal(row.moderator, 'alice-op', 'the operator from the token opb verified');
    assert.equal(row.outcome, 'accepted');
    assert.equal(row.target_kind, 'room');
    assert.equal(row.target_id, id);
    assert.equal(row.args.via, 'opa', 'the node whose API received the request');
    assert.equal(done.body.auditRef, `${row.id}:${row.hash}`, "opb's audit reference comes back through opa");
    assert.equal((await rows(0)).length, beforeA, 'one row, on the node that acted: none on opa');
  });

  test('a signed RPC with no token, a forged, an expired or a non-ops token is refused by opb, audited as a refusal, and opb does not act', async () => {
    const [id] = await activeRoomsOn('opb', 1, 'fwd-vault');
    const action = { op: 'act', action: { action: 'passivate', kind: 'room', id, node: 'opb' } };
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ chr: 'alice-op-char', roles: ['ops'] })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer('glass')
      .setAudience('glass:player')
      .setSubject('alice-op')
      .setIssuedAt(now - 7_200)
      .setExpirationTime(now - 3_600)
      .sign(TEST_PAIR.privateKey);
    const cases: [string, string | undefined, string, string | null][] = [
      ['no token', undefined, 'GLASS_ERR_TOKEN_MISSING', null],
      ['forged', await tokenFor('mallory', { roles: ['ops'], key: generateTokenKeyPair().privateKey }), 'GLASS_ERR_TOKEN_INVALID', null],
      ['expired', expired, 'GLASS_ERR_TOKEN_EXPIRED', null],
      ['no ops role', await tokenFor('mod', { roles: ['moderator', 'player'] }), 'GLASS_ERR_FORBIDDEN', 'mod'],
    ];
    for (const [label, t, code, player] of cases) {
      const beforeB = (await rows(1)).length;
      await assert.rejects(rogue.request('opb', action, 5_000, t), (err: GlassError) => err instanceof GlassError && err.code === code, label);
      assert.equal(await activeOnB(id), true, `${label}: opb did not act`);
      const added = (await rows(1)).slice(beforeB);
      assert.equal(added.length, 1, `${label}: one refusal row`);
      assert.equal(added[0].outcome, 'refused', label);
      assert.equal(added[0].code, code, label);
      assert.equal(added[0].command, 'ops:/ops/rpc/act', label);
      assert.equal(added[0].node, 'opb', label);
      assert.equal(added[0].moderator, player ?? ANONYMOUS, label);
      assert.equal(added[0].args.address, 'node:rogue', label);
      assert.ok(!JSON.stringify(added[0]).includes(t ?? '\u0000'), `${label}: the token is not in the row`);
    }
    assert.ok((await rows(1)).every((r) => r.command !== 'ops:passivate' || r.target_id !== id), 'no accepted row for the refused action');
    // Reads stay answered on the cluster key alone (they change nothing).
    const page = (await rogue.request('opb', { op: 'actors', thread: 1, query: { kind: 'room', q: id } })) as { actors: { id: string }[] };
    assert.deepEqual(page.actors.map((a) => a.id), [id]);
  });
});
