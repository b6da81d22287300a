import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, type NodeMember } from '../../runtime/index.js';
import { Cluster, until } from './cluster-harness.js';
import { RemoteError, type NodeProcess } from './cluster-process.js';

// Three node processes (two workers each) on one machine, one Redis and one CouchDB-protocol server.
const NODES = ['a', 'b', 'c'];

let cluster: Cluster;
let nodes: NodeProcess[];

before(async () => {
  // The production heartbeat and detection times: under the blast below the main threads of three
  // nodes sharing two cores stall for several hundred ms, and nothing here is about failover.
  // The nodes start at once, as a deployment's pods do: each registers while the others start.
  cluster = await Cluster.start({ label: 'messaging', nodes: NODES, heartbeatMs: 500, downAfterMs: 2_000, together: true });
  nodes = NODES.map((id) => cluster.node(id));
});

after(() => cluster?.close());

/** One id owned by each node, as the first node places them. */
async function onePerNode(prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const owner of NODES) out.set(owner, (await cluster.idsOn(nodes[0], owner, `${prefix}-${owner}`, 1))[0]);
  return out;
}

test('every node applies the same membership and places every id on the same node and thread', async () => {
  for (const n of nodes) {
    assert.deepEqual(await n.call<NodeMember[]>({ cmd: 'members' }), NODES.map((id) => ({ id, workers: 2 })), `members seen by ${n.id}`);
    const status = await n.status();
    assert.equal(status.mode, 'cluster', `${n.id}: ${JSON.stringify(status)}`);
  }
  const ids = Array.from({ length: 300 }, (_, i) => `placed-${i}`);
  const [byA, byB, byC] = await Promise.all(nodes.map((n) => n.locate(ids)));
  assert.deepEqual(byB, byA, 'b places ids as a does');
  assert.deepEqual(byC, byA, 'c places ids as a does');
  assert.deepEqual([...new Set(byA.map((l) => l.node))].sort(), NODES, 'each node owns some of 300 ids');
  assert.ok(byA.every((l) => l.thread === 1 || l.thread === 2), 'actors live on worker threads 1..2');
  // Placement is by id: the kind does not change it.
  assert.deepEqual(await nodes[1].locate(ids, 'counter'), byA);

  // The actors really run where `locate` says, and nowhere else.
  const sample = ids.slice(0, 30);
  const answers = await nodes[2].askMany(sample.map((id) => ({ to: { kind: 'tally', id }, msg: { type: 'where' } })));
  assert.deepEqual(
    answers.map((o) => (o.ok ? o.value : o.error.message)),
    sample.map((_, i) => byA[i].node),
  );
  const active = await Promise.all(nodes.map((n) => n.activeKeys('tally')));
  for (const [i, id] of sample.entries()) {
    const hosts = NODES.filter((_, j) => active[j].includes(`tally:${id}`));
    assert.deepEqual(hosts, [byA[i].node], `tally:${id} is active on its owner only`);
  }
});

test('an ask from any node reaches an actor owned by another node, and the reply comes back', async () => {
  const owned = await onePerNode('cross-ask');
  for (const [owner, id] of owned) {
    const askers = nodes.filter((n) => n.id !== owner);
    const counts: number[] = [];
    for (const asker of askers) counts.push(await asker.ask<number>({ kind: 'counter', id }, { type: 'add', by: 1 }));
    assert.deepEqual(counts, [1, 2], `counter:${id} on ${owner}, asked from ${askers.map((n) => n.id).join(' then ')}`);
    const where = await askers[0].ask<string>({ kind: 'tally', id }, { type: 'where' });
    assert.equal(where, owner);
    assert.deepEqual(await cluster.node(owner).ask({ kind: 'counter', id }, { type: 'get' }), { id, count: 2 });
  }
});

test('a tell from one node arrives at an actor owned by another', async () => {
  const owned = await onePerNode('cross-tell');
  for (const [owner, id] of owned) {
    const tellers = nodes.filter((n) => n.id !== owner);
    await tellers[0].tell({ kind: 'counter', id }, { type: 'add', by: 5 });
    await tellers[1].tell({ kind: 'counter', id }, { type: 'add', by: 7 });
    // The two tells come from two nodes: nothing orders them against an ask, so poll the count.
    await until(
      async () => (await cluster.node(owner).ask<{ count: number }>({ kind: 'counter', id }, { type: 'get' })).count === 12,
      `counter:${id} on ${owner} to count both tells`,
    );
  }
});

test('a tell followed by an ask from the same node to a remote actor is handled first', async () => {
  const owned = await onePerNode('tell-then-ask');
  for (const [owner, id] of owned) {
    const from = nodes.find((n) => n.id !== owner)!;
    await from.tell({ kind: 'counter', id }, { type: 'add', by: 3 });
    assert.deepEqual(await from.ask({ kind: 'counter', id }, { type: 'get' }), { id, count: 3 }, `${from.id} → counter:${id} on ${owner}`);
  }
});

test('refusals cross nodes with their typed codes: unknown kind, unknown message, a handler refusing', async () => {
  const owned = await onePerNode('refused');
  for (const [owner, id] of owned) {
    const from = nodes.find((n) => n.id !== owner)!;
    const where = `${from.id} → ${owner}`;
    await assert.rejects(
      from.ask({ kind: 'no-such-kind', id }, { type: 'hello' }),
      (err: RemoteError) => err.code === ErrorCodes.UNKNOWN_KIND || assert.fail(`${where}: ${err.code} ${err.message}`),
    );
    await assert.rejects(
      from.ask({ kind: 'counter', id }, { type: 'no-such-message' }),
      (err: RemoteError) => err.code === ErrorCodes.UNKNOWN_MESSAGE || assert.fail(`${where}: ${err.code} ${err.message}`),
    );
    await assert.rejects(
      from.ask({ kind: 'counter', id }, { type: 'refuse', code: 'GLASS_ERR_TEST_REFUSED' }),
      (err: RemoteError) => err.code === 'GLASS_ERR_TEST_REFUSED' || assert.fail(`${where}: ${err.code} ${err.message}`),
    );
    // The refusals did not hurt the actor: it still answers across nodes.
    assert.equal(await from.ask({ kind: 'counter', id }, { type: 'add', by: 1 }), 1);
  }
});

interface Report {
  record: { count: number; lastN: number; lastSeq: number; violations: string[] } | null;
  askSeq: number;
  askSender: string | null;
}

const SENDERS_PER_NODE = 2;
const MESSAGES = 1_500;

test(`per-pair order holds across nodes under load: ${SENDERS_PER_NODE * 3} senders × 2 remote receivers × ${MESSAGES} messages`, async () => {
  // Each node's senders blast to one receiver on each of the two other nodes, all at once.
  const plans = await Promise.all(
    nodes.map(async (n) => {
      const others = NODES.filter((id) => id !== n.id);
      const receivers = await Promise.all(others.map(async (o) => (await cluster.idsOn(n, o, `recv-${n.id}-on-${o}`, 1))[0]));
      const senders = await cluster.idsOn(n, n.id, `send-${n.id}`, SENDERS_PER_NODE);
      return { node: n, receivers, senders };
    }),
  );
  const mark = cluster.viewMark();
  const results = await Promise.all(
    plans.flatMap(({ node, receivers, senders }) =>
      senders.map(async (id) => ({
        node,
        id,
        receivers,
        reports: await node.ask<Report[]>({ kind: 'seq-sender', id }, { type: 'blast', receivers, count: MESSAGES }, 45_000),
      })),
    ),
  );
  // A view that changed meanwhile (a node wrongly taken for dead) explains a failure below.
  const changes = cluster.viewsSince(mark);
  for (const { node, id, receivers, reports } of results) {
    for (const [j, receiver] of receivers.entries()) {
      const where = `seq-sender:${id} (node ${node.id}) → seq-receiver:${receiver}${changes.length > 0 ? `; views changed during the blast: ${changes.join('; ')}` : ''}`;
      // Numbers 1..MESSAGES and envelope sequence numbers 1..MESSAGES in order, once each, then the
      // report ask as MESSAGES + 1.
      assert.deepEqual(
        reports[j],
        { record: { count: MESSAGES, lastN: MESSAGES, lastSeq: MESSAGES, violations: [] }, askSeq: MESSAGES + 1, askSender: `seq-sender:${id}` },
        where,
      );
    }
  }
  // Every delivery from the other nodes was acknowledged once handled.
  for (const n of nodes) {
    await until(async () => (await n.status()).unackedDeliveries === 0, `${n.id} to acknowledge every delivery`);
  }
});
