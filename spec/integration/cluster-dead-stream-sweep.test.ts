// What the claimer leaves behind is swept: a stream a sender recreates long after its node died,
// and entries a claimer took and never acknowledged because it died mid-drain. Real node processes
// on their own Redis; the sweep of the lowest live node drains each to the actors' owners, once,
// and removes the stream.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisStreamsTransport, redisStreamKey } from '../../cluster/index.js';
import { Envelope, Lane } from '../../runtime/index.js';
import { Cluster, eventually } from './cluster-harness.js';
import { tallyReports } from './cluster-tallies.js';

const NODES = ['a', 'b'];

let cluster: Cluster;
let admin: Redis;

before(async () => {
  cluster = await Cluster.start({ label: 'sweep', nodes: NODES, heartbeatMs: 200, downAfterMs: 1_500 });
  admin = new Redis(cluster.redis.url);
});

after(async () => {
  admin?.disconnect();
  await cluster?.close();
});

const add = (tally: string, n: number): Envelope => new Envelope(`tally:${tally}`, null, n, 0, { type: 'add', n }, undefined, Lane.USER, -1, 0, 0);

/** A transport of the test process under `nodeId`: never a member, so to the cluster it is a node long gone. */
async function outsider(nodeId: string): Promise<RedisStreamsTransport> {
  const t = new RedisStreamsTransport({ nodeId, redis: cluster.redis.url, prefix: cluster.config.prefix, blockMs: 200 });
  await t.start(() => {});
  return t;
}

/** Waits until every tally has received exactly what `expected` says from outside any actor; returns what they have. */
async function outsideAdds(tallies: readonly string[], expected: Map<string, number[]>): Promise<Map<string, number[]>> {
  let seen = new Map<string, number[]>();
  await eventually(async () => {
    const reports = await tallyReports(cluster.node('a'), tallies);
    seen = new Map(tallies.map((id) => [id, [...((reports.get(id)!['(outside)'] as number[] | undefined) ?? [])].sort((x, y) => x - y)]));
    return tallies.every((id) => JSON.stringify(seen.get(id)) === JSON.stringify(expected.get(id)));
  }, 45_000);
  return seen;
}

test('a stream recreated by an XADD long after its node left membership is drained to the owners, once, and removed', async () => {
  const tallies = [...(await cluster.idsOn(cluster.node('a'), 'a', 'sw-late-a', 2)), ...(await cluster.idsOn(cluster.node('a'), 'b', 'sw-late-b', 2))];
  const gone = 'gone-late';
  const stream = redisStreamKey(cluster.config.prefix, gone);
  const sender = await outsider('late-sender');
  const expected = new Map<string, number[]>();
  try {
    tallies.forEach((id, i) => {
      const ns = [10 * i + 1, 10 * i + 2];
      expected.set(id, ns);
      sender.send(gone, ns.map((n) => add(id, n)));
    });
    await sender.flush();
  } finally {
    await sender.close();
  }
  assert.equal(await admin.exists(stream), 1, 'the late XADDs created the stream');
  assert.ok(await eventually(async () => (await admin.exists(stream)) === 0, 45_000), `${stream} swept and removed`);
  assert.deepEqual(await outsideAdds(tallies, expected), expected);
});

test('entries a claimer took and never acknowledged (it died mid-drain), and entries nobody read, are swept once', async () => {
  const tallies = [...(await cluster.idsOn(cluster.node('a'), 'a', 'sw-mid-a', 2)), ...(await cluster.idsOn(cluster.node('a'), 'b', 'sw-mid-b', 2))];
  const dead = 'gone-mid';
  const stream = redisStreamKey(cluster.config.prefix, dead);
  const sender = await outsider('mid-sender');
  const expected = new Map<string, number[]>(tallies.map((id) => [id, []]));
  const sendRound = async (round: number): Promise<void> => {
    for (const [i, id] of tallies.entries()) {
      const n = 100 * round + i;
      expected.get(id)!.push(n);
      sender.send(dead, [add(id, n)]);
      await sender.flush();
    }
  };
  try {
    await sendRound(1);
    // A claimer that is not a member takes the first round (pending under its name now) and is gone
    // before acknowledging any of it: closed, its claims never handled.
    const claimer = await outsider('claimer-that-died');
    const taken = await claimer.claimFrom(dead, { minIdleMs: 0 });
    await claimer.close();
    assert.equal(taken.length, tallies.length, 'the dying claimer took the first round');
    const pending = (await admin.xpending(stream, 'glass', '-', '+', 100)) as [string, string][];
    assert.deepEqual(new Set(pending.map(([, consumer]) => consumer)), new Set(['claimer-that-died']));
    // Then a second round nobody read.
    await sendRound(2);
  } finally {
    await sender.close();
  }
  assert.ok(await eventually(async () => (await admin.exists(stream)) === 0, 45_000), `${stream} swept and removed`);
  for (const ns of expected.values()) ns.sort((x, y) => x - y);
  assert.deepEqual(await outsideAdds(tallies, expected), expected);
});
