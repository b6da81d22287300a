// A genuine stream entry written again into its own stream (its MAC verifies there) is recognised by
// its nonce and refused: acknowledged, deleted, counted as a replay, never delivered twice —
// sequenced and unsequenced envelopes alike, by the reader and by a claim of a dead node's stream.
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisStreamsTransport, TransportErrorCodes, type ForgedEntryError } from '../../cluster/index.js';
import { Inbox, nextEvent, note } from '../contract/transport-harness.js';
import { SHARED_REDIS_URL, deleteKeys, uniquePrefix } from '../contract/transport-redis-server.js';

const prefix = uniquePrefix('replay');
const admin = new Redis(SHARED_REDIS_URL);
const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});
after(async () => {
  await deleteKeys(SHARED_REDIS_URL, prefix);
  admin.disconnect();
});

let next = 0;
async function started(role: string, inbox: Inbox | null): Promise<RedisStreamsTransport> {
  const t = new RedisStreamsTransport({ nodeId: `${role}${++next}`, redis: SHARED_REDIS_URL, prefix, blockMs: 200 });
  opened.push(t);
  await t.start(inbox === null ? () => {} : inbox.deliver);
  return t;
}

const entries = async (stream: string): Promise<[string, Buffer[]][]> =>
  ((await admin.xrangeBuffer(stream, '-', '+')) as [Buffer, Buffer[]][]).map(([id, fields]) => [id.toString(), fields]);

test('copies of genuine entries written back into their own stream are refused and counted; each envelope is delivered once', async () => {
  const inbox = new Inbox();
  const receiver = await started('r', inbox);
  const sender = await started('s', null);
  const refused: ForgedEntryError[] = [];
  receiver.on('forged', (e) => refused.push(e));
  // One unsequenced and one sequenced envelope, each in its own entry (two turns).
  sender.send(receiver.nodeId, [note('room:a', null, 1)]);
  await sender.flush();
  sender.send(receiver.nodeId, [note('room:a', 'player:p', 2, 1)]);
  await sender.flush();
  await inbox.until(2, 10_000);
  const genuine = await entries(receiver.stream);
  assert.equal(genuine.length, 2);
  assert.ok(genuine.every(([, f]) => f.map(String).includes('n')), 'every entry carries a nonce');

  // Copied back, field for field: their MACs verify in this stream.
  const second = nextEvent<[ForgedEntryError]>(receiver, 'forged', () => refused.length === 2, 10_000);
  const copies: string[] = [];
  for (const [, fields] of genuine) copies.push((await admin.xadd(receiver.stream, '*', ...fields)) as string);
  await second;
  // A genuine entry after them is still delivered: read in stream order, so the copies were handled first.
  sender.send(receiver.nodeId, [note('room:a', null, 3)]);
  await inbox.until(3, 10_000);

  assert.deepEqual(inbox.ns(), [1, 2, 3]);
  assert.deepEqual(
    refused.map((e) => [e.code, e.details?.id, e.details?.reason]),
    copies.map((id) => [TransportErrorCodes.FORGED_ENTRY, id, 'replayed']),
  );
  assert.equal(receiver.stats().replayedEntries, 2);
  assert.equal(receiver.stats().rejectedEntries, 2);
  // Acknowledged and deleted: the copies do not come back.
  await receiver.flushAcks();
  const left = (await entries(receiver.stream)).map(([id]) => id);
  for (const id of copies) assert.ok(!left.includes(id), `copy ${id} deleted`);
});

test('a copy planted in a dead node stream is refused by the claim; the original is delivered once', async () => {
  const claimer = await started('c', null);
  const sender = await started('s', null);
  const dead = `dead${++next}`;
  const stream = `${prefix}:node:${dead}`;
  sender.send(dead, [note('room:a', null, 1)]);
  sender.send(dead, [note('room:a', 'player:p', 2, 1)]);
  await sender.flush();
  const genuine = await entries(stream);
  assert.equal(genuine.length, 1, 'one turn, one entry');
  const copy = (await admin.xadd(stream, '*', ...genuine[0][1])) as string;
  const refused: ForgedEntryError[] = [];
  claimer.on('forged', (e) => refused.push(e));
  const deliveries = await claimer.claimFrom(dead, { minIdleMs: 0 });
  assert.deepEqual(
    deliveries.flatMap((d) => d.envelopes.map((e) => (e.msg as { n: number }).n)),
    [1, 2],
  );
  assert.deepEqual(
    refused.map((e) => [e.details?.id, e.details?.reason]),
    [[copy, 'replayed']],
  );
  assert.equal(claimer.stats().replayedEntries, 1);
});
