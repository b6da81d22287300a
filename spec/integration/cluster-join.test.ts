import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { HashringPlacement } from '../../cluster/index.js';
import { Cluster, eventually } from './cluster-harness.js';
import { Load } from './cluster-load.js';
import type { NodeProcess } from './cluster-process.js';
import { allTallyProblems, seenOrBusy, pumpsSent, tallyReports, totalSeen, totalSent } from './cluster-tallies.js';

const NODES = ['a', 'b', 'c'];
const IDS = 400;
/** Of the 400, these many are tallies that get traffic before, during and after the join. */
const TALLIES = 160;

let cluster: Cluster;

before(async () => {
  // The production heartbeat and detection times: nothing here is about failure detection, and
  // on two shared cores a node's main thread can stall for longer than a test setting would allow.
  cluster = await Cluster.start({ label: 'join', nodes: NODES, heartbeatMs: 500, downAfterMs: 2_000 });
});

after(() => cluster?.close());

test('a fourth node joining takes about a quarter of the actors, and each moved actor keeps its state and is active once', async () => {
  const [a, b, c] = NODES.map((id) => cluster.node(id));
  const ids = Array.from({ length: IDS }, (_, i) => `j-${i}`);
  const before = await a.locate(ids);
  assert.deepEqual(await b.locate(ids), before);
  assert.deepEqual(await c.locate(ids), before);
  const tallies = ids.slice(0, TALLIES);

  // One pump per node; one of them, chosen by the hashring the nodes use, is expected to move to d,
  // so that a sender's own move is part of the test (its numbering carries on from its saved state).
  const predicted = new HashringPlacement([...NODES, 'd'].map((id) => ({ id, workers: 2 })));
  const pumps: string[] = [];
  for (const owner of NODES) pumps.push(...(await cluster.idsOn(a, owner, `j-pump-${owner}`, 1)));
  pumps.push((await cluster.idsOn(a, 'a', 'j-pump-moving', 40)).find((id) => predicted.locate(id).node === 'd') ?? `j-pump-moving-none`);

  // Pumps are asked from each node in turn: during the join some asks land on a node that just lost them.
  const via = [a, b, c];
  let turn = 0;
  const pumping = new Load(pumps, (id) => via[turn++ % via.length].ask({ kind: 'pump', id }, { type: 'pump', targets: tallies, rounds: 1 }, 20_000));
  let d: NodeProcess;
  let mark = cluster.viewMark();
  try {
    await pumping.progress(2, 'pumping before the join');
    d = await cluster.addNode('d');
    await cluster.converged([...NODES, 'd']);
    mark = cluster.viewMark();
    await pumping.progress(2, 'pumping after the join', 30_000);
  } finally {
    await pumping.stop();
  }

  // Placement after the join: the same on all four nodes; about a quarter moved, all of them to d.
  const afterJoin = await d.locate(ids);
  assert.deepEqual(cluster.viewsSince(mark), [], 'no view changed after the four converged');
  for (const n of [a, b, c]) assert.deepEqual(await n.locate(ids), afterJoin, `${n.id} places ids as d does`);
  const moved = ids.filter((_, i) => afterJoin[i].node !== before[i].node);
  const fraction = moved.length / IDS;
  assert.ok(fraction >= 0.12 && fraction <= 0.4, `${moved.length} of ${IDS} ids moved (${(fraction * 100).toFixed(1)} %)`);
  for (const [i, id] of ids.entries()) {
    if (afterJoin[i].node !== before[i].node) assert.equal(afterJoin[i].node, 'd', `${id} moved from ${before[i].node} to ${afterJoin[i].node}, not to the new node`);
    else assert.deepEqual(afterJoin[i], before[i], `${id} stayed on its node and thread`);
  }
  assert.ok(moved.some((id) => tallies.includes(id)), 'some tallies with state moved');

  // Every tell the pumps sent arrived exactly once: state carried over the move, no double activation.
  const sent = await pumpsSent(d, pumps);
  const expected = totalSent(sent);
  const settled = await eventually(async () => {
    const seen = await seenOrBusy(b, tallies);
    if (seen === null || seen < expected) return false;
    const statuses = await Promise.all(cluster.live().map((n) => n.status()));
    return statuses.every((s) => s.unackedDeliveries === 0);
  }, 90_000);
  const reports = await tallyReports(d, tallies);
  assert.deepEqual(allTallyProblems(reports, sent), [], 'each tally saw each number from each pump exactly once');
  assert.equal(totalSeen(reports), expected);
  assert.ok(settled, 'deliveries settled within 90 s');

  // Each tally is active on exactly one node, its owner now: the old owner let go of the moved ones.
  const nodes = [a, b, c, d];
  const active = await Promise.all(nodes.map((n) => n.activeKeys('tally')));
  for (const [i, id] of tallies.entries()) {
    const hosts = nodes.filter((_, j) => active[j].includes(`tally:${id}`)).map((n) => n.id);
    assert.deepEqual(hosts, [afterJoin[i].node], `tally:${id} (was on ${before[i].node}) active on its owner only`);
  }
  const movingPump = pumps[pumps.length - 1];
  const [pumpNow] = await d.locate([movingPump]);
  assert.equal(pumpNow.node, 'd', `pump:${movingPump} moved to d with its saved numbering`);
});
