import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { room } from '../../actors/index.js';
import { startOpsPublisher } from '../../cluster/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { call, eventually } from './ops-harness.js';
import { tokenFor } from './tokens.js';
import { NodePair, REDIS_URL } from './cluster-fixture.js';


describe('the ops view of a two-node cluster (real Redis, embedded CouchDB, uWS)', () => {
  let pair: NodePair;
  let nodes: GlassNode[];
  let token: string;
  let closedB: Promise<void>;
  const base = (i: number): string => `http://127.0.0.1:${pair.gateways[i]!.port}`;

  before(async () => {
    pair = await NodePair.start({
      ids: ['ops-a', 'ops-b'],
      onGateway: async (node, gateway, prefix) => {
        const publisher = await startOpsPublisher({ redisUrl: REDIS_URL, prefix, nodeId: node.id, ttlMs: 3_000 });
        node.onClose(() => publisher.close());
        gateway.ops.service.useCluster(publisher);
      },
    });
    nodes = pair.nodes;
    closedB = new Promise((resolve) => nodes[1].onClose(() => resolve()));
    token = await tokenFor('op', { roles: ['ops'] });
  });

  after(() => pair?.close());

  /** Room ids the cluster places on `node`. */
  const roomsOn = (node: string, count: number, stem: string): string[] => {
    const out: string[] = [];
    for (let i = 0; out.length < count; i++) if (nodes[0].locate('room', `${stem}-${i}`).node === node) out.push(`${stem}-${i}`);
    return out;
  };

  test('either node shows the whole cluster; expansion, search and actions reach the node that holds the actor', async () => {
    const onB = roomsOn('ops-b', 3, 'hall');
    await Promise.all(onB.map((id) => room.ref(nodes[0], id).ask({ type: 'join', player: 'p', node: 'ops-a' })));
    const view = await eventually(async () => {
      const v = (await call(base(0), '/ops/api/view', token)).body;
      const b = v.nodes.find((n: any) => n.node === 'ops-b');
      return b !== undefined && b.workers[0].sample?.kinds.some((k: any) => k.kind === 'room' && k.count === 3) ? v : undefined;
    }, "ops-b's report with its rooms, read from Redis by ops-a");
    assert.equal(view.via, 'ops-a');
    assert.deepEqual(view.nodes.map((n: any) => n.node).sort(), ['ops-a', 'ops-b']);
    assert.ok(view.nodes.every((n: any) => n.mode === 'cluster' && n.stream !== null));

    const page = (await call(base(0), `/ops/api/actors?node=ops-b&thread=1&kind=room`, token)).body;
    assert.deepEqual(page.actors.map((a: any) => a.id), [...onB].sort());
    assert.ok(page.actors.every((a: any) => a.node === 'ops-b' && a.status === 'active'));
    const found = (await call(base(0), `/ops/api/search?q=${onB[0]}`, token)).body;
    assert.deepEqual(found.actors.map((a: any) => `${a.node}/${a.id}`), [`ops-b/${onB[0]}`]);

    const done = await call(base(0), '/ops/api/actions', token, { action: 'passivate', kind: 'room', id: onB[0] });
    assert.equal(done.status, 200);
    assert.equal(done.body.node, 'ops-b');
    assert.equal(done.body.done, true);
    const after = (await call(base(1), `/ops/api/search?q=${onB[0]}`, token)).body;
    assert.deepEqual(after.actors, [], 'passivated on ops-b');
  });

  test('drain-node previews what moves, then hands ops-b’s actors to ops-a and stops it', async () => {
    const onB = roomsOn('ops-b', 4, 'vault');
    await Promise.all(onB.map((id) => room.ref(nodes[0], id).ask({ type: 'join', player: 'p2', node: 'ops-a' })));
    const inMemory = (await call(base(1), '/ops/api/actors?node=ops-b&thread=1&limit=1000', token)).body.total;
    const preview = (await call(base(0), '/ops/api/drain-preview?node=ops-b', token)).body;
    assert.deepEqual(preview.remaining, ['ops-a']);
    assert.equal(preview.total, inMemory);
    assert.equal(preview.moved, inMemory, 'every actor of the only other node moves');
    assert.deepEqual(preview.byNode, { 'ops-a': { in: inMemory, out: 0 }, 'ops-b': { in: 0, out: inMemory } });
    assert.ok(preview.sample.every((m: any) => m.from === 'ops-b/1' && m.to === 'ops-a/1'));

    const refused = await call(base(0), '/ops/api/actions', await tokenFor('mod', { roles: ['moderator'] }), { action: 'drain-node', node: 'ops-b' });
    assert.equal(refused.status, 403);
    const drained = await call(base(0), '/ops/api/actions', token, { action: 'drain-node', node: 'ops-b' });
    assert.equal(drained.status, 200);
    assert.deepEqual(drained.body.detail, { draining: true });
    await closedB;
    await eventually(async () => (nodes[0].members().length === 1 ? true : undefined), 'ops-a alone in the membership');
    const view = (await call(base(0), '/ops/api/view', token)).body;
    assert.deepEqual(view.nodes.map((n: any) => n.node), ['ops-a']);
    assert.deepEqual(view.missing, []);
    // The rooms kept their members through the handoff, now on ops-a.
    const joined = (await room.ref(nodes[0], onB[1]).ask({ type: 'join', player: 'p3', node: 'ops-a' })) as { members: string[] };
    assert.deepEqual(joined.members.sort(), ['p2', 'p3']);
    assert.equal(nodes[0].locate('room', onB[1]).node, 'ops-a');
    const refusedAlone = await call(base(0), '/ops/api/actions', token, { action: 'drain-node', node: 'ops-a' });
    assert.equal(refusedAlone.status, 409);
    assert.equal(refusedAlone.body.code, 'GLASS_ERR_OPS_NO_PEERS');
  });
});
