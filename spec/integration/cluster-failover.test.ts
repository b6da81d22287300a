import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, eventually } from './cluster-harness.js';
import { Load } from './cluster-load.js';
import type { NodeProcess } from './cluster-process.js';
import { allTallyProblems, counterProblems, seenOrBusy, pumpsSent, tallyReports, totalSeen, totalSent } from './cluster-tallies.js';

// Short heartbeat and detection times so that a killed node is declared down within seconds, yet
// long enough that a live node whose main thread stalls under load on two shared cores is not.
const NODES = ['a', 'b', 'c'];
const TALLIES_PER_NODE = 12;
const PUMPS_PER_SURVIVOR = 2;
/** Each has an ask in flight when c dies: the more, the likelier one is caught between its save and its acknowledgement. */
const COUNTERS_ON_VICTIM = 12;

let cluster: Cluster;

before(async () => {
  cluster = await Cluster.start({ label: 'failover', nodes: NODES, heartbeatMs: 200, downAfterMs: 1_500 });
});

after(() => cluster?.close());

test('a node SIGKILLed under load: afterwards every tell sent was handled exactly once, every acknowledged ask kept', async () => {
  const [a, b] = [cluster.node('a'), cluster.node('b')];
  const survivors: NodeProcess[] = [a, b];
  const tallies = (await Promise.all(NODES.map((owner) => cluster.idsOn(a, owner, `fo-tally-${owner}`, TALLIES_PER_NODE)))).flat();
  // Pumps live on the survivors and are asked through their own node.
  const pumpHome = new Map<string, NodeProcess>();
  for (const n of survivors) for (const id of await cluster.idsOn(a, n.id, `fo-pump-${n.id}`, PUMPS_PER_SURVIVOR)) pumpHome.set(id, n);
  const pumps = [...pumpHome.keys()];
  // Counters asked one add at a time from a: most on the victim, a few bystanders on b.
  const counters = [...(await cluster.idsOn(a, 'c', 'fo-counter-c', COUNTERS_ON_VICTIM)), ...(await cluster.idsOn(a, 'b', 'fo-counter-b', 2))];

  const pumping = new Load(pumps, (id) => pumpHome.get(id)!.ask({ kind: 'pump', id }, { type: 'pump', targets: tallies, rounds: 1 }, 15_000));
  const asking = new Load(counters, (id) => a.ask({ kind: 'durable-counter', id }, { type: 'add', by: 1 }, 8_000));
  try {
    await Promise.all([pumping.progress(3, 'pumping before the kill'), asking.progress(3, 'asking before the kill')]);

    const killedAt = Date.now();
    await cluster.kill('c');
    // Detection: both survivors apply a view without c (and passivate nothing of their own).
    await cluster.converged(['a', 'b'], 10_000);
    const detectedAfter = Date.now() - killedAt;
    assert.ok(detectedAfter < 8_000, `c declared down after ${detectedAfter} ms`);

    // Load goes on after the failover: c's actors answer again, from the survivors.
    await Promise.all([pumping.progress(3, 'pumping after the failover', 30_000), asking.progress(3, 'asking after the failover', 30_000)]);
  } finally {
    await Promise.all([pumping.stop(), asking.stop()]);
  }

  // Every actor of c is now placed on a survivor, the same way by both.
  const [byA, byB] = await Promise.all(survivors.map((n) => n.locate([...tallies, ...counters])));
  assert.deepEqual(byB, byA);
  assert.ok(byA.every((l) => l.node === 'a' || l.node === 'b'));

  // What the pumps sent (their saved state, which their tells left only after) must all arrive, once.
  const sent = await pumpsSent(a, pumps);
  const expected = totalSent(sent);
  const settled = await eventually(async () => {
    const seen = await seenOrBusy(a, tallies);
    if (seen === null || seen < expected) return false;
    const statuses = await Promise.all(survivors.map((n) => n.status()));
    return statuses.every((s) => s.unackedDeliveries === 0);
  }, 90_000);
  const reports = await tallyReports(b, tallies);
  assert.deepEqual(allTallyProblems(reports, sent), [], 'each tally saw each number from each pump exactly once');
  assert.equal(totalSeen(reports), expected);
  assert.ok(settled, 'deliveries settled (every delivery acknowledged) within 90 s');

  // Asks (from a's main thread, outside any actor): every acknowledged add is in the saved total,
  // and none was applied twice.
  assert.deepEqual(await counterProblems(b, counters, asking), [], 'durable counters asked one add at a time from a');

  // Each actor is active once, on its new owner.
  const active = await Promise.all(survivors.map((n) => n.activeKeys('tally')));
  for (const [i, id] of tallies.entries()) {
    const hosts = survivors.filter((_, j) => active[j].includes(`tally:${id}`)).map((n) => n.id);
    assert.deepEqual(hosts, [byA[i].node], `tally:${id} active on its owner only`);
  }
});
