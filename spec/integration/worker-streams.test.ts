// Worker streams (ClusterNodeOptions.workerStreams): two cluster nodes in this process, two worker
// threads each, real Redis and a CouchDB-protocol store; actor messages between nodes go from the
// sending worker straight to the receiving worker's own stream, `<prefix>:node:<id>:w<k>`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { EnvelopeCodec, MAC_FIELD, NONCE_FIELD, PAYLOAD_FIELD, RedisStreamsTransport, SENDER_FIELD, couchStoreRef, redisStreamKey, startClusterNode } from '../../cluster/index.js';
import { Envelope, Lane, type DeadLetter } from '../../runtime/index.js';

/** An envelope's replyThread when nobody waits for an answer (runtime/envelope.ts NO_REPLY). */
const NO_REPLY = -1;
import type { GlassNode } from '../../runtime/node/index.js';
import { startTestCouch } from '../contract/couch-harness.js';
import { pump, tally } from '../fixtures/cluster-actors.js';
import { relay } from '../fixtures/worker-stream-actors.js';
import { nextRestart } from './worker-events.js';

const ACTORS = new URL('../fixtures/worker-stream-actors.js', import.meta.url).href;
const REDIS_URL = 'redis://127.0.0.1:6379';
const prefix = `glass-test-wstreams-${process.pid}`;
const clusterKey = randomBytes(32);
let couch: Awaited<ReturnType<typeof startTestCouch>>;
let redis: Redis;
let a: GlassNode;
let b: GlassNode;

async function until<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 20_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function clusterNode(nodeId: string): Promise<GlassNode> {
  return startClusterNode({
    nodeId,
    prefix,
    redisUrl: REDIS_URL,
    workers: 2,
    store: couchStoreRef(couch.couch.url, `wstreams_${process.pid}`),
    actorModules: [ACTORS],
    clusterKey,
    heartbeatMs: 100,
    downAfterMs: 1_000,
    logLevel: 'silent',
    spareWorker: false,
    workerStreams: process.env.WS_OFF !== '1',
  });
}

/** `count` ids `<name>-<i>` that `node` places on `owner`'s `thread`. */
function idsOn(node: GlassNode, owner: string, thread: number, name: string, count: number): string[] {
  const ids: string[] = [];
  for (let i = 0; ids.length < count; i++) {
    const at = node.locate('tally', `${name}-${i}`);
    if (at.node === owner && at.thread === thread) ids.push(`${name}-${i}`);
  }
  return ids;
}

async function report(node: GlassNode, id: string): Promise<Record<string, number[]>> {
  return (await tally.ref(node, id).ask({ type: 'report' }, { timeoutMs: 2_000 })) as Record<string, number[]>;
}

/** Entries ever added to a stream (XINFO STREAM entries-added), 0 when it does not exist. */
async function entriesAdded(stream: string): Promise<number> {
  const info = (await redis.call('XINFO', 'STREAM', stream).catch(() => null)) as unknown[] | null;
  if (info === null) return 0;
  return Number(info[info.indexOf('entries-added') + 1]);
}

async function pendingIn(stream: string): Promise<number> {
  const summary = (await redis.xpending(stream, 'glass')) as [number, ...unknown[]];
  return Number(summary[0]);
}

before(async () => {
  couch = await startTestCouch('wstreams');
  redis = new Redis(REDIS_URL);
  a = await clusterNode('wsa');
  b = await clusterNode('wsb');
  await until('both nodes in both views', async () => (a.members().length === 2 && b.members().length === 2 ? true : undefined));
});

after(async () => {
  await Promise.allSettled([a?.close(), b?.close()]);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await couch?.stop();
});

test('tells and asks between the workers of two nodes go over the workers\' own streams, each once and in order', async () => {
  const targets = [...idsOn(a, 'wsb', 1, 'tells-1', 1), ...idsOn(a, 'wsb', 2, 'tells-2', 1)];
  const [pumpId] = idsOn(a, 'wsa', 1, 'pump', 1);
  for (let i = 0; i < 3; i++) assert.equal(await pump.ref(a, pumpId).ask({ type: 'pump', targets, rounds: 20 }), 40);
  const want = Array.from({ length: 60 }, (_, i) => i + 1);
  for (const id of targets) {
    const got = await until(`60 adds at ${id}`, async () => {
      const from = (await report(b, id))[`pump:${pumpId}`] ?? [];
      return from.length >= 60 ? from : undefined;
    });
    assert.deepEqual(got, want, `tally:${id} got every add once, in order`);
  }
  // Asks from a worker of each node to counters on both workers of the other, and their replies.
  for (const [from, to, name] of [[a, 'wsb', 'ask-b'], [b, 'wsa', 'ask-a']] as const) {
    const counters = [...idsOn(from, to, 1, `${name}-1`, 1), ...idsOn(from, to, 2, `${name}-2`, 1)];
    const [relayId] = idsOn(from, from.id, 2, `relay-${name}`, 1);
    assert.deepEqual(await relay.ref(from, relayId).ask({ type: 'addAll', targets: counters, by: 3 }), [{ total: 3, node: to }, { total: 3, node: to }]);
    assert.deepEqual(await relay.ref(from, relayId).ask({ type: 'addAll', targets: counters, by: 4 }), [{ total: 7, node: to }, { total: 7, node: to }]);
  }
  for (const stream of ['wsa:w1', 'wsa:w2', 'wsb:w1', 'wsb:w2']) assert.ok((await entriesAdded(redisStreamKey(prefix, stream))) > 0, `${stream}'s stream carried entries`);
});

test('a receiving worker killed mid-stream: its replacement takes the pending entries, nothing acknowledged is lost or doubled', async () => {
  const [target] = idsOn(a, 'wsb', 1, 'crash', 1);
  const [pumpId] = idsOn(a, 'wsa', 2, 'crash-pump', 1);
  const restarted = nextRestart(b, 1);
  // Every pump's tells are acknowledged by Redis (stored) once its ask is answered.
  const pumps: Promise<unknown>[] = [];
  for (let i = 0; i < 10; i++) pumps.push(pump.ref(a, pumpId).ask({ type: 'pump', targets: [target], rounds: 40 }, { timeoutMs: 20_000 }));
  await until('the first adds at the target', async () => (((await report(b, target))[`pump:${pumpId}`]?.length ?? 0) > 0 ? true : undefined));
  void b.workers[0].worker.terminate();
  await restarted;
  assert.deepEqual(await Promise.all(pumps), Array(10).fill(40));
  const got = await until('400 adds after the restart', async () => {
    const from = (await report(b, target))[`pump:${pumpId}`] ?? [];
    return from.length >= 400 ? from : undefined;
  });
  assert.deepEqual(got, Array.from({ length: 400 }, (_, i) => i + 1));
  // And every entry of the worker's stream was acknowledged in the end.
  await until('no pending entry left in wsb:w1', async () => ((await pendingIn(redisStreamKey(prefix, 'wsb:w1'))) === 0 ? true : undefined));
});

test('a forged or unsigned entry written straight into a worker stream is refused: dead-lettered, deleted, not delivered', async () => {
  const [target] = idsOn(b, 'wsb', 1, 'forged', 1);
  const stream = redisStreamKey(prefix, 'wsb:w1');
  const codec = new EnvelopeCodec();
  const e = new Envelope(`tally:${target}`, 'pump:intruder', 1, 0, { type: 'add', n: 99 }, undefined, Lane.USER, NO_REPLY, 0, 1);
  const payload = codec.join([codec.encode(e)], codec.encode(e).length);
  const refused: DeadLetter[] = [];
  const twoRefused = new Promise<void>((resolve) => {
    const off = b.deadLetters.subscribe((l) => {
      if (l.to !== stream) return;
      refused.push(l);
      if (refused.length === 2) {
        off();
        resolve();
      }
    });
  });
  const forged = await redis.xadd(stream, '*', SENDER_FIELD, 'wsa:w1', NONCE_FIELD, `${randomBytes(8).toString('hex')}.1`, PAYLOAD_FIELD, payload, MAC_FIELD, randomBytes(32));
  const unsigned = await redis.xadd(stream, '*', SENDER_FIELD, 'wsa:w1', NONCE_FIELD, `${randomBytes(8).toString('hex')}.1`, PAYLOAD_FIELD, payload);
  await twoRefused;
  assert.deepEqual(refused.map((l) => l.reason), ['forged-entry', 'forged-entry']);
  assert.deepEqual(await report(b, target), {}, 'the target was never told');
  await until('both entries deleted', async () => ((await redis.xrange(stream, forged!, unsigned!)).length === 0 ? true : undefined));
});

test('an entry that reaches a worker not owning its actor is forwarded to the owner, then acknowledged', async () => {
  const [target] = idsOn(b, 'wsb', 2, 'misrouted', 1);
  const intruder = new RedisStreamsTransport({ nodeId: 'wsx', redis: REDIS_URL, prefix, clusterKey });
  await intruder.start(() => {});
  try {
    // Signed with the cluster key, but written to worker 1's stream for an actor of worker 2.
    intruder.send('wsb:w1', [new Envelope(`tally:${target}`, 'pump:sideways', 1, 0, { type: 'add', n: 7 }, undefined, Lane.USER, NO_REPLY, 0, 0)]);
    await intruder.flush();
    const got = await until('the add at the owner', async () => (await report(b, target))['pump:sideways']);
    assert.deepEqual(got, [7]);
    await until('the entry acknowledged in wsb:w1', async () => ((await pendingIn(redisStreamKey(prefix, 'wsb:w1'))) === 0 ? true : undefined));
  } finally {
    await intruder.close();
  }
});

test('an entry whose message kills every worker that reads it is refused after three deaths, and the thread goes on', async () => {
  const [killer] = idsOn(b, 'wsb', 2, 'killer', 1);
  const [bystander] = idsOn(b, 'wsb', 2, 'bystander', 1);
  const deaths: number[] = [];
  const offExit = b.supervisor.onExit((h) => h.thread === 2 && deaths.push(h.restarts));
  const refused = new Promise<DeadLetter>((resolve) => {
    const off = b.deadLetters.subscribe((l) => {
      if (l.to !== `crasher:${killer}` || l.reason !== 'worker-died') return;
      off();
      resolve(l);
    });
  });
  const intruder = new RedisStreamsTransport({ nodeId: 'wsk', redis: REDIS_URL, prefix, clusterKey });
  await intruder.start(() => {});
  try {
    intruder.send('wsb:w2', [new Envelope(`crasher:${killer}`, 'pump:killer', 1, 0, { type: 'exit', code: 9 }, undefined, Lane.USER, NO_REPLY, 0, 0)]);
    await intruder.flush();
    const letter = await refused;
    assert.equal(letter.messageType, 'exit');
  } finally {
    await intruder.close();
    offExit();
  }
  assert.equal(deaths.length, 3, 'three workers died holding it, the fourth refused it');
  // The thread's replacement works, and the entry left the pending list.
  assert.deepEqual(await until('the bystander answering', async () => report(b, bystander)), {});
  await until('the entry acknowledged in wsb:w2', async () => ((await pendingIn(redisStreamKey(prefix, 'wsb:w2'))) === 0 ? true : undefined));
});
