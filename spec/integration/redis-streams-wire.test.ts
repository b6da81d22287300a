import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { ENTRY_FORMAT, RedisStreamsTransport, TransportErrorCodes, entryMac, resolveClusterKey, type ForgedEntryError, type MalformedEntryError, type RedisStreamsTransportOptions } from '../../cluster/index.js';
import { ErrorCodes } from '../../runtime/index.js';
import { Inbox, nextEvent, note, ns } from '../contract/transport-harness.js';
import { SHARED_REDIS_URL, deleteKeys, uniquePrefix } from '../contract/transport-redis-server.js';

/** A well-formed entry nonce (replay-window.ts): `<16 hex incarnation>.<counter>`. */
const TEST_NONCE = '0123456789abcdef.1';

const prefix = uniquePrefix('wire');
const admin = new Redis(SHARED_REDIS_URL);
const opened: RedisStreamsTransport[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});
after(async () => {
  await deleteKeys(SHARED_REDIS_URL, prefix);
  admin.disconnect();
});

let next = 0;
async function started(role: string, inbox: Inbox | null, options: Partial<RedisStreamsTransportOptions> = {}): Promise<RedisStreamsTransport> {
  const t = new RedisStreamsTransport({ nodeId: `${role}${++next}`, redis: SHARED_REDIS_URL, prefix, blockMs: 500, ...options });
  opened.push(t);
  await t.start(inbox === null ? () => {} : inbox.deliver);
  return t;
}

const pendingCount = async (stream: string): Promise<number> => ((await admin.xpending(stream, 'glass')) as [number])[0];

test('one turn of sends to a node is one entry per maxEntryEnvelopes, each naming the sender, in the versioned format', async () => {
  const inbox = new Inbox();
  const receiver = await started('r', inbox);
  const sender = await started('s', null);
  sender.send(receiver.nodeId, Array.from({ length: 100 }, (_, i) => note('room:a', 'actor:x', i + 1, i + 1)));
  await inbox.until(100, 10_000);
  assert.deepEqual(inbox.batches.map((b) => b.batch.length), [32, 32, 32, 4]);
  const entries = (await admin.xrangeBuffer(receiver.stream, '-', '+')) as [Buffer, Buffer[]][];
  assert.equal(entries.length, 4);
  for (const [, fields] of entries) {
    assert.deepEqual([fields[0].toString(), fields[1].toString(), fields[2].toString(), fields[4].toString()], ['s', sender.nodeId, 'n', 'e']);
    assert.match(fields[3].toString(), /^[0-9a-f]{16}\.[1-9][0-9]*$/);
    assert.equal(fields[5][0], ENTRY_FORMAT);
  }
  for (const n of [101, 102]) {
    sender.send(receiver.nodeId, [note('room:a', 'actor:x', n, n)]);
    await sender.flush();
  }
  await inbox.until(102, 10_000);
  assert.deepEqual(inbox.batches.slice(4).map((b) => ns(b.batch)), [[101], [102]]);
  assert.equal(sender.stats().sentEntries, 6);
});

test('maxEntryBytes closes an entry early; an envelope larger than it travels alone', async () => {
  const inbox = new Inbox();
  const receiver = await started('r', inbox);
  const sender = await started('s', null, { maxEntryBytes: 200 });
  sender.send(receiver.nodeId, [
    note('room:a', null, 1, 0, { text: 'x'.repeat(60) }),
    note('room:a', null, 2, 0, { text: 'x'.repeat(60) }),
    note('room:a', null, 3, 0, { text: 'x'.repeat(60) }),
    note('room:a', null, 4, 0, { text: 'y'.repeat(1_000) }),
    note('room:a', null, 5),
  ]);
  await inbox.until(5, 10_000);
  assert.deepEqual(inbox.batches.map((b) => ns(b.batch)), [[1, 2], [3], [4], [5]]);
});

test('an entry is acknowledged with the last ackOne of its envelopes; further acks change nothing', async () => {
  const inbox = new Inbox(() => {});
  const receiver = await started('r', inbox);
  const sender = await started('s', null);
  sender.send(receiver.nodeId, [note('room:a', null, 1), note('room:b', null, 2), note('room:c', null, 3)]);
  await inbox.until(3, 10_000);
  const receipt = inbox.batches[0].receipt!;
  receipt.ackOne();
  receipt.ackOne();
  await receiver.flushAcks();
  assert.equal(await pendingCount(receiver.stream), 1);
  assert.equal(receiver.stats().inFlightEntries, 1);
  receipt.ackOne();
  receipt.ackOne();
  receipt.ack();
  await receiver.flushAcks();
  assert.equal(await pendingCount(receiver.stream), 0);
  assert.equal(receiver.stats().inFlightEntries, 0);
});

test('an entry that is not ours is reported (GLASS_ERR_MALFORMED_ENTRY, or GLASS_ERR_FORGED_ENTRY unsigned) and acknowledged; its neighbours arrive', async () => {
  const inbox = new Inbox();
  const receiver = await started('r', inbox);
  const sender = await started('s', null);
  const malformed: MalformedEntryError[] = [];
  const forged: ForgedEntryError[] = [];
  receiver.on('malformed', (err) => malformed.push(err));
  receiver.on('forged', (err) => forged.push(err));
  sender.send(receiver.nodeId, [note('room:a', null, 1)]);
  await sender.flush();
  // Signed with the cluster key (a node of a newer version, say) but not decodable: malformed.
  const bad = Buffer.from([ENTRY_FORMAT, 0xc1]);
  const garbage = await admin.xadd(receiver.stream, '*', 's', 'intruder', 'n', TEST_NONCE, 'e', bad, 'm', entryMac(resolveClusterKey(), receiver.stream, 'intruder', TEST_NONCE, bad));
  const fieldless = await admin.xadd(receiver.stream, '*', 'other', 'thing');
  sender.send(receiver.nodeId, [note('room:a', null, 2)]);
  await inbox.until(2, 10_000);
  assert.deepEqual(inbox.ns(), [1, 2]);
  assert.deepEqual(
    malformed.map((e) => [e.code, e.details?.id]),
    [[TransportErrorCodes.MALFORMED_ENTRY, garbage]],
  );
  assert.deepEqual(
    forged.map((e) => [e.code, e.details?.id]),
    [[TransportErrorCodes.FORGED_ENTRY, fieldless]],
  );
  assert.equal(receiver.stats().rejectedEntries, 1);
  await receiver.flushAcks();
  assert.equal(await pendingCount(receiver.stream), 0);
});

test('a deliver callback that throws is reported; the entry stays pending and the reader goes on', async () => {
  const inbox = new Inbox();
  const receiver = new RedisStreamsTransport({ nodeId: `r${++next}`, redis: SHARED_REDIS_URL, prefix, blockMs: 500 });
  opened.push(receiver);
  await receiver.start((batch, receipt) => {
    if (ns(batch)[0] === 1) throw new Error('handler bug');
    inbox.deliver(batch, receipt);
  });
  const sender = await started('s', null);
  const reported = nextEvent<[unknown, unknown]>(receiver, 'deliver-error', () => true, 10_000);
  sender.send(receiver.nodeId, [note('room:a', null, 1)]);
  assert.equal(((await reported)[0] as Error).message, 'handler bug');
  sender.send(receiver.nodeId, [note('room:a', null, 2)]);
  await inbox.until(1, 10_000);
  await receiver.flushAcks();
  assert.deepEqual(inbox.ns(), [2]);
  assert.equal(await pendingCount(receiver.stream), 1);
});

test('the reader stops reading at maxInFlightEntries and goes on as entries are acknowledged', async () => {
  const inbox = new Inbox(() => {});
  const receiver = await started('r', inbox, { maxInFlightEntries: 2 });
  const sender = await started('s', null);
  for (let n = 1; n <= 5; n++) {
    sender.send(receiver.nodeId, [note('room:a', null, n)]);
    await sender.flush();
  }
  await inbox.until(2, 10_000);
  // Read entries become pending at once: had the reader gone past its bound, more would be.
  assert.equal(await pendingCount(receiver.stream), 2);
  inbox.batches[0].receipt!.ack();
  inbox.batches[1].receipt!.ack();
  await inbox.until(4, 10_000);
  inbox.batches[2].receipt!.ack();
  await inbox.until(5, 10_000);
  assert.deepEqual(inbox.ns(), [1, 2, 3, 4, 5]);
});

test('the periodic trim reports what it removed; calls the state forbids are refused (GLASS_ERR_TRANSPORT_STATE)', async () => {
  const inbox = new Inbox();
  const receiver = await started('r', inbox, { trimIntervalMs: 20 });
  const sender = await started('s', null);
  // Trims may run between the two acknowledgements: wait until they add up to both entries.
  let trimmed = 0;
  const allTrimmed = nextEvent(receiver, 'trimmed', (stream: string, count: number) => stream === receiver.stream && (trimmed += count) === 2, 10_000);
  sender.send(receiver.nodeId, [note('room:a', null, 1)]);
  await sender.flush();
  sender.send(receiver.nodeId, [note('room:a', null, 2)]);
  await inbox.until(2, 10_000);
  await allTrimmed;
  assert.equal(await admin.xlen(receiver.stream), 0);
  await assert.rejects(receiver.claimFrom(receiver.nodeId), { code: TransportErrorCodes.TRANSPORT_STATE });
  await assert.rejects(receiver.start(() => {}), { code: TransportErrorCodes.TRANSPORT_STATE });
  await receiver.close();
  assert.throws(() => receiver.send(sender.nodeId, [note('room:a', null, 3)]), { code: ErrorCodes.NO_ROUTE });
});

test('an entry Redis refuses does not hold back or duplicate the entries of the same pipeline that it took', async () => {
  const inbox = new Inbox();
  const receiver = await started('r', inbox);
  const sender = await started('s', null, { giveUpAfterMs: 300, retryMaxDelayMs: 50 });
  const broken = `broken${++next}`;
  await admin.set(`${prefix}:node:${broken}`, 'not a stream');
  const undeliverable = nextEvent<[string, readonly unknown[], { code: string; details: { reason: string } }]>(sender, 'undeliverable', () => true, 10_000);
  sender.send(broken, [note('room:a', null, 1)]);
  sender.send(receiver.nodeId, [note('room:a', null, 2)]);
  await inbox.until(1, 10_000);
  const [node, envelopes, error] = await undeliverable;
  assert.deepEqual([node, envelopes.length, error.code, error.details.reason], [broken, 1, TransportErrorCodes.TRANSPORT_UNAVAILABLE, 'gave-up']);
  await sender.flush();
  assert.ok(sender.stats().sendRetries >= 1);
  assert.equal(await admin.xlen(receiver.stream), 1, 'the entry Redis took was not sent again with the retries');
  assert.deepEqual([inbox.ns(), sender.stats().sentEnvelopes, sender.stats().givenUpEnvelopes], [[2], 1, 1]);
});
