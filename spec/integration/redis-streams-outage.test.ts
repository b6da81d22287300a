import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import {
  RedisStreamsTransport,
  TransportErrorCodes,
  TransportStatus,
  type RedisStreamsTransportOptions,
  type TransportUnavailableError,
} from '../../cluster/index.js';
import type { Envelope } from '../../runtime/index.js';
import { Inbox, nextEvent, note, ns, within } from '../contract/transport-harness.js';
import { OwnRedisServer, uniquePrefix } from '../contract/transport-redis-server.js';

// Every test here stops Redis: they run against a redis-server of this file's own.
let server: OwnRedisServer;
let admin: Redis;
const prefix = uniquePrefix('outage');
const opened: RedisStreamsTransport[] = [];

before(async () => {
  server = await OwnRedisServer.start();
  admin = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
  await server.start();
});
after(async () => {
  admin.disconnect();
  await server.dispose();
});

let next = 0;
function make(role: string, options: Partial<RedisStreamsTransportOptions> = {}): RedisStreamsTransport {
  const t = new RedisStreamsTransport({ nodeId: `${role}${++next}`, redis: server.url, prefix, retryMaxDelayMs: 100, blockMs: 500, closeTimeoutMs: 1_000, ...options });
  opened.push(t);
  return t;
}

const becomes = (t: RedisStreamsTransport, status: string) => nextEvent(t, 'status', (s: string) => s === status, 15_000);

test('Redis restarted: status degraded then ready, the group is created again, sends made meanwhile arrive in order', async () => {
  const receiver = make('r');
  const sender = make('s');
  const statuses: string[] = [];
  const groups: string[] = [];
  receiver.on('status', (s) => statuses.push(s));
  receiver.on('group', (stream) => groups.push(stream));
  const inbox = new Inbox();
  await receiver.start(inbox.deliver);
  await sender.start(() => {});
  assert.deepEqual([receiver.status, sender.status, groups], [TransportStatus.READY, TransportStatus.READY, [receiver.stream]]);
  sender.send(receiver.nodeId, [note('room:a', 'actor:x', 1, 1)]);
  await inbox.until(1, 10_000);

  const down = Promise.all([becomes(receiver, 'degraded'), becomes(sender, 'degraded')]);
  await server.stop();
  await down;
  // Let reconnect attempts fail while the reader waits for its connection: each one emits an
  // 'error' on the connection, which must not end the wait.
  await refusedConnections(3);
  sender.send(receiver.nodeId, [note('room:a', 'actor:x', 2, 2), note('room:a', 'actor:x', 3, 3)]);
  const back = Promise.all([becomes(receiver, 'ready'), becomes(sender, 'ready'), nextEvent(receiver, 'group', () => true, 15_000)]);
  await server.start();
  await back;
  await inbox.until(3, 15_000);
  assert.deepEqual(inbox.ns(), [1, 2, 3]);
  assert.deepEqual(statuses, ['starting', 'ready', 'degraded', 'ready']);
  assert.deepEqual(groups, [receiver.stream, receiver.stream]);
  // The receiver may read an entry before the sender has the reply to its XADD.
  await sender.flush();
  const stats = sender.stats();
  assert.ok(stats.sendRetries >= 1, `retried ${stats.sendRetries} times`);
  assert.deepEqual([stats.queuedEnvelopes, stats.givenUpEnvelopes, stats.sentEnvelopes], [0, 0, 3]);
});

test('a send Redis does not take within giveUpAfterMs is reported undeliverable (GLASS_ERR_TRANSPORT_UNAVAILABLE); flush rejects', async () => {
  const sender = make('s', { giveUpAfterMs: 300 });
  await sender.start(() => {});
  const down = becomes(sender, 'degraded');
  await server.stop();
  await down;
  const undeliverable = nextEvent<[string, readonly Envelope[], TransportUnavailableError]>(sender, 'undeliverable', () => true, 10_000);
  sender.send('elsewhere', [note('room:a', null, 1), note('room:a', null, 2)]);
  const flushed = sender.flush();
  const [node, envelopes, error] = await undeliverable;
  assert.equal(node, 'elsewhere');
  assert.deepEqual(ns(envelopes), [1, 2]);
  assert.equal(error.code, TransportErrorCodes.TRANSPORT_UNAVAILABLE);
  assert.equal(error.details?.reason, 'gave-up');
  await assert.rejects(flushed, { code: TransportErrorCodes.TRANSPORT_UNAVAILABLE });
  assert.deepEqual([sender.stats().givenUpEnvelopes, sender.stats().queuedEnvelopes], [2, 0]);

  const back = becomes(sender, 'ready');
  await server.start();
  await back;
  sender.send('elsewhere', [note('room:a', null, 3)]);
  await sender.flush();
  await admin.connect().catch(() => {});
  assert.equal(await admin.xlen(`${prefix}:node:elsewhere`), 1);
});

test('past maxQueuedEnvelopes a send is refused at once (queue-full) and nothing of it is queued', async () => {
  const sender = make('s', { maxQueuedEnvelopes: 5 });
  await sender.start(() => {});
  const down = becomes(sender, 'degraded');
  await server.stop();
  await down;
  sender.send('far', [1, 2, 3, 4].map((n) => note('room:a', null, n)));
  assert.throws(() => sender.send('far', [note('room:a', null, 5), note('room:a', null, 6)]), (err: any) => {
    assert.equal(err.code, TransportErrorCodes.TRANSPORT_UNAVAILABLE);
    assert.equal(err.details.reason, 'queue-full');
    return true;
  });
  assert.equal(sender.stats().queuedEnvelopes, 4);
  sender.send('far', [note('room:a', null, 5)]);
  // Listening first: the transport may reconnect before start() has resolved.
  const ready = nextEvent(sender, 'status', (s: string) => s === 'ready', 15_000);
  await server.start();
  await ready;
  await sender.flush();
  assert.deepEqual([sender.stats().sentEnvelopes, sender.stats().queuedEnvelopes], [5, 0]);
});

test('start rejects with GLASS_ERR_TRANSPORT_UNAVAILABLE (not-connected) when Redis is not there within startTimeoutMs', async () => {
  await server.stop();
  const t = make('t', { startTimeoutMs: 300 });
  await assert.rejects(t.start(() => {}), (err: any) => {
    assert.equal(err.code, TransportErrorCodes.TRANSPORT_UNAVAILABLE);
    assert.equal(err.details.reason, 'not-connected');
    return true;
  });
  assert.equal(t.status, TransportStatus.CLOSED);
});

test('the reader survives killed connections and hands over entries whose XREADGROUP reply was lost', async () => {
  const receiver = make('r', { maxInFlightEntries: 1 });
  const sender = make('s');
  // Everything is acknowledged on arrival except envelope 1, held to keep the reader at its bound.
  const inbox = new Inbox((batch, receipt) => ns(batch)[0] !== 1 && receipt?.ack());
  await receiver.start(inbox.deliver);
  await sender.start(() => {});
  sender.send(receiver.nodeId, [note('room:a', 'actor:x', 1, 1)]);
  await inbox.until(1, 10_000);
  for (const n of [2, 3]) {
    sender.send(receiver.nodeId, [note('room:a', 'actor:x', n, n)]);
    await sender.flush();
  }
  // Another client reads as the receiver's consumer: the entries become the receiver's pending
  // entries without the receiver seeing them — exactly what a reply lost with a connection leaves.
  await admin.connect().catch(() => {});
  const stolen = await admin.xreadgroup('GROUP', 'glass', receiver.nodeId, 'COUNT', 10, 'STREAMS', receiver.stream, '>');
  assert.equal((stolen as [string, unknown[]][])[0][1].length, 2);
  await killReader(receiver);
  inbox.batches[0].receipt!.ack();
  await inbox.until(3, 10_000);
  assert.deepEqual(inbox.ns(), [1, 2, 3]);

  // Killed while blocked in XREADGROUP: it reconnects and goes on reading.
  const dropped = becomes(receiver, 'degraded');
  await killReader(receiver);
  await dropped;
  await becomes(receiver, 'ready');
  sender.send(receiver.nodeId, [note('room:a', 'actor:x', 4, 4)]);
  await inbox.until(4, 10_000);
  assert.deepEqual(inbox.ns(), [1, 2, 3, 4]);
  await receiver.flushAcks();
  assert.equal(((await admin.xpending(receiver.stream, 'glass')) as [number])[0], 0);
});

async function killReader(t: RedisStreamsTransport): Promise<void> {
  const clients = (await admin.client('LIST')) as string;
  const line = clients.split('\n').find((l) => l.includes(` name=${prefix}:${t.nodeId}:reader `));
  assert.ok(line, 'the reader connection is listed');
  const id = /\bid=(\d+)/.exec(line)![1];
  await admin.client('KILL', 'ID', id);
}

/** Resolves after `count` failed connection attempts of a client retrying as often as the transports do. */
async function refusedConnections(count: number): Promise<void> {
  const probe = new Redis(server.url, { lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => 50 });
  let failures = 0;
  const refused = new Promise<void>((resolve) => probe.on('error', () => ++failures === count && resolve()));
  probe.connect().catch(() => {});
  try {
    await within(refused, 10_000, `${count} refused connections`);
  } finally {
    probe.disconnect();
  }
}
