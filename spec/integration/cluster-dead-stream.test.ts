// A dead node leaves no stream behind: once the claiming node has drained it (every entry claimed
// and handled), the stream key and its consumer group are removed, and a stream a late sender
// creates again by its XADD is drained and removed as well. Real node processes on their own Redis.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisStreamsTransport, redisStreamKey } from '../../cluster/index.js';
import { Envelope, Lane } from '../../runtime/index.js';
import { Cluster, eventually } from './cluster-harness.js';
import { Load } from './cluster-load.js';
import { allTallyProblems, pumpsSent, seenOrBusy, tallyReports, totalSeen, totalSent } from './cluster-tallies.js';

const NODES = ['a', 'b', 'c'];

let cluster: Cluster;
let admin: Redis;

before(async () => {
  cluster = await Cluster.start({ label: 'deadstream', nodes: NODES, heartbeatMs: 200, downAfterMs: 1_500 });
  admin = new Redis(cluster.redis.url);
});

after(async () => {
  admin?.disconnect();
  await cluster?.close();
});

/** Polls Redis until `key` is (or is not) there; false at the deadline. */
function keyIs(key: string, present: boolean, deadlineMs: number): Promise<boolean> {
  return eventually(async () => ((await admin.exists(key)) === 1) === present, deadlineMs);
}

test('a SIGKILLed node: its stream is drained to the new owners and removed, and removed again after a late XADD', async () => {
  const [a, b] = [cluster.node('a'), cluster.node('b')];
  const deadStream = redisStreamKey(cluster.config.prefix, 'c');
  const tallies = await cluster.idsOn(a, 'c', 'ds-tally-c', 12);
  const pumps = [...(await cluster.idsOn(a, 'a', 'ds-pump-a', 2))];
  const pumping = new Load(pumps, (id) => a.ask({ kind: 'pump', id }, { type: 'pump', targets: tallies, rounds: 1 }, 15_000));
  try {
    await pumping.progress(3, 'pumping before the kill');
    assert.equal(await admin.exists(deadStream), 1, 'c reads its own stream');
    await cluster.kill('c');
    await cluster.converged(['a', 'b'], 10_000);
    await pumping.progress(3, 'pumping after the failover', 30_000);
  } finally {
    await pumping.stop();
  }

  // Drained and removed: the key (and its consumer group with it) is gone.
  assert.ok(await keyIs(deadStream, false, 30_000), `${deadStream} removed after the drain`);

  // Nothing acknowledged was lost, nothing handled twice.
  const sent = await pumpsSent(a, pumps);
  const expected = totalSent(sent);
  assert.ok(await eventually(async () => ((await seenOrBusy(a, tallies)) ?? 0) >= expected, 60_000), 'every tell sent reached its tally');
  const reports = await tallyReports(b, tallies);
  assert.deepEqual(allTallyProblems(reports, sent), []);
  assert.equal(totalSeen(reports), expected);

  // A sender that has not seen the death appends to c's stream again: the XADD creates it anew.
  const late = new RedisStreamsTransport({ nodeId: 'late-sender', redis: cluster.redis.url, prefix: cluster.config.prefix, blockMs: 200 });
  await late.start(() => {});
  try {
    late.send('c', [new Envelope(`tally:${tallies[0]}`, null, 1, 0, { type: 'add', n: 1 }, undefined, Lane.USER, -1, 0, 0)]);
    await late.flush();
  } finally {
    await late.close();
  }
  // Flushed: the entry was taken by Redis, so the stream exists unless the claimer already removed it.
  // Either way it must end removed, with the entry handled by the tally's new owner.
  assert.ok(await keyIs(deadStream, false, 30_000), `${deadStream} recreated by a late XADD is removed again`);
  const handled = await eventually(async () => {
    const report = (await tallyReports(a, [tallies[0]])).get(tallies[0])!;
    return JSON.stringify(report['(outside)'] ?? []) === '[1]';
  }, 30_000);
  assert.ok(handled, 'the late entry was delivered, once, to the tally on its new owner');
});
