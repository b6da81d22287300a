import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, eventually } from './cluster-harness.js';
import { Load } from './cluster-load.js';
import type { NodeProcess } from './cluster-process.js';
import { allTallyProblems, pumpsSent, seenOrBusy, tallyReports, totalSeen, totalSent } from './cluster-tallies.js';

// A node frozen (SIGSTOP) past the detection time is declared down while it still holds its actors
// in memory, then wakes up (SIGCONT) and rejoins: a false "down", as a long GC pause or a stalled
// VM causes. The others took over its actors meanwhile; when it comes back they move back to it.
const NODES = ['a', 'b', 'c'];
const TALLIES_PER_NODE = 12;

let cluster: Cluster;

before(async () => {
  cluster = await Cluster.start({ label: 'pause', nodes: NODES, heartbeatMs: 200, downAfterMs: 1_500 });
});

after(() => cluster?.close());

test('a node frozen past detection and then woken up: every tell sent is handled exactly once, each actor active once', async () => {
  const [a, b, c] = NODES.map((id) => cluster.node(id));
  const tallies = (await Promise.all(NODES.map((owner) => cluster.idsOn(a, owner, `p-tally-${owner}`, TALLIES_PER_NODE)))).flat();
  const pumpHome = new Map<string, NodeProcess>();
  for (const n of [a, b]) for (const id of await cluster.idsOn(a, n.id, `p-pump-${n.id}`, 2)) pumpHome.set(id, n);
  const pumps = [...pumpHome.keys()];

  const pumping = new Load(pumps, (id) => pumpHome.get(id)!.ask({ kind: 'pump', id }, { type: 'pump', targets: tallies, rounds: 1 }, 15_000));
  try {
    await pumping.progress(3, 'pumping before the pause');
    c.pause();
    await Promise.all([a.seesMembers(['a', 'b'], 10_000), b.seesMembers(['a', 'b'], 10_000)]);
    // c's actors now answer from a and b.
    await pumping.progress(3, 'pumping while c is frozen', 30_000);
    c.resume();
    await cluster.converged(NODES, 15_000);
    await pumping.progress(3, 'pumping after c came back', 30_000);
  } finally {
    c.resume();
    await pumping.stop();
  }

  const sent = await pumpsSent(a, pumps);
  const expected = totalSent(sent);
  const settled = await eventually(async () => {
    const seen = await seenOrBusy(a, tallies);
    if (seen === null || seen < expected) return false;
    const statuses = await Promise.all(cluster.live().map((n) => n.status()));
    return statuses.every((s) => s.unackedDeliveries === 0);
  }, 90_000);
  const reports = await tallyReports(b, tallies);
  assert.deepEqual(allTallyProblems(reports, sent), [], 'each tally saw each number from each pump exactly once');
  assert.equal(totalSeen(reports), expected);
  assert.ok(settled, 'deliveries settled within 90 s');

  const where = await a.locate(tallies);
  const active = await Promise.all(NODES.map((id) => cluster.node(id).activeKeys('tally')));
  const doubles: string[] = [];
  for (const [i, id] of tallies.entries()) {
    const hosts = NODES.filter((_, j) => active[j].includes(`tally:${id}`));
    if (hosts.join() !== where[i].node) doubles.push(`tally:${id} owned by ${where[i].node}, active on [${hosts.join()}]`);
  }
  assert.deepEqual(doubles, [], 'each tally active on its owner only');
});
