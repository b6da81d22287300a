import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './cluster-harness.js';
import { Load } from './cluster-load.js';
import type { NodeProcess } from './cluster-process.js';
import { counterProblems } from './cluster-tallies.js';

const NODES = ['a', 'b', 'c'];
const DOWN_AFTER_MS = 1_500;

let cluster: Cluster;

before(async () => {
  cluster = await Cluster.start({ label: 'redis-restart', nodes: NODES, heartbeatMs: 200, downAfterMs: DOWN_AFTER_MS });
});

after(() => cluster?.close());

interface Counted {
  total: number;
  adds: number;
  node: string;
}

test('Redis restarted mid-run: local actors answer throughout, cross-node traffic resumes, nothing acknowledged is lost', async () => {
  const [a, b, c] = NODES.map((id) => cluster.node(id));
  const local = await cluster.idsOn(a, 'a', 'rr-local', 4);
  const remote = [...(await cluster.idsOn(a, 'b', 'rr-remote-b', 3)), ...(await cluster.idsOn(a, 'c', 'rr-remote-c', 3))];
  // Cross-node asks from a (to b and c) and from b (to c), each an every-message add.
  const fromB = await cluster.idsOn(a, 'c', 'rr-b-to-c', 2);
  const asker = new Map<string, NodeProcess>([...remote.map((id) => [id, a] as const), ...fromB.map((id) => [id, b] as const)]);
  const crossIds = [...asker.keys()];
  const cross = new Load(crossIds, (id) => asker.get(id)!.ask({ kind: 'durable-counter', id }, { type: 'add', by: 1 }, 3_000));
  let localAcked = 0;
  let outageMs = 0;
  try {
    await cross.progress(3, 'cross-node asks before the outage');
    const mark = cluster.viewMark();

    await cluster.redis.stop();
    const stoppedAt = Date.now();
    // Local actors keep answering while Redis is gone, for well over the failure-detection time.
    while (Date.now() - stoppedAt < 3 * DOWN_AFTER_MS) {
      const replies = await Promise.all(local.map((id) => a.ask<Counted>({ kind: 'durable-counter', id }, { type: 'add', by: 1 }, 5_000)));
      localAcked++;
      for (const r of replies) assert.equal(r.node, 'a');
    }
    const atRestart = cross.snapshot();
    outageMs = Date.now() - stoppedAt;
    await cluster.redis.start();

    // Cross-node traffic resumes: every cross pair gets fresh acknowledged asks.
    await cross.progress(3, 'cross-node asks after Redis came back', 30_000, atRestart);

    // Nobody was declared down or left for the outage: no node applied a view without all three.
    assert.deepEqual(cluster.viewsSince(mark).filter((v) => !v.endsWith(`[${NODES.join()}]`)), [], `views applied around the ${outageMs} ms outage`);
  } finally {
    await cross.stop();
  }
  await cluster.converged(NODES);

  // Every acknowledged add is in its counter's saved total, and none was applied twice.
  assert.deepEqual(await counterProblems(c, crossIds, cross), [], 'durable counters asked across nodes through the outage');
  for (const id of local) {
    const { total, node } = await b.ask<Counted>({ kind: 'durable-counter', id }, { type: 'get' });
    assert.equal(node, 'a');
    assert.equal(total, localAcked, `durable-counter:${id} on a: every add acknowledged during the outage is kept`);
  }
  assert.ok(localAcked > 0);
});
