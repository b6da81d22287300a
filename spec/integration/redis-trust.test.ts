// Redis is outside the trust boundary: what someone with write access to Redis, but without the
// cluster key, can put in a node's stream or on its ops channel is never acted on.
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import {
  ClusterKey,
  EnvelopeCodec,
  RedisStreamsTransport,
  TransportErrorCodes,
  entryMac,
  resolveClusterKey,
  startOpsPublisher,
  type ForgedEntryError,
  type OpsPublisher,
} from '../../cluster/index.js';
import { Envelope, Lane } from '../../runtime/index.js';
import { Inbox, nextEvent, note } from '../contract/transport-harness.js';
import { SHARED_REDIS_URL, deleteKeys, uniquePrefix } from '../contract/transport-redis-server.js';

/** A well-formed entry nonce (replay-window.ts): `<16 hex incarnation>.<counter>`. */
const TEST_NONCE = '0123456789abcdef.1';

const prefix = uniquePrefix('trust');
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

/** A well-formed entry (the codec's own bytes) that would deliver a `say` to an actor, as `sender`. */
function sayPayload(): Buffer {
  const codec = new EnvelopeCodec();
  const e = new Envelope('room:lobby', 'player:mallory', 1, 0, { type: 'note', n: 666, text: 'forged say' }, undefined, Lane.USER, -1, 0, 0);
  const record = codec.encode(e);
  return codec.join([record], record.length);
}

const pending = async (stream: string): Promise<number> => ((await admin.xpending(stream, 'glass')) as [number])[0];
const otherKey = new ClusterKey(Buffer.from('another-cluster-key-of-32-characters-or-more'));

/** Sends a genuine note after `write`, waits for it: entries are read in stream order, so what `write` put in was handled first. */
async function forgedThenGenuine(write: (receiver: RedisStreamsTransport) => Promise<string>): Promise<{ inbox: Inbox; receiver: RedisStreamsTransport; id: string; forged: ForgedEntryError }> {
  const inbox = new Inbox();
  const receiver = await started('r', inbox);
  const sender = await started('s', null);
  const refused = nextEvent<[ForgedEntryError]>(receiver, 'forged', () => true, 10_000);
  const id = await write(receiver);
  sender.send(receiver.nodeId, [note('room:a', null, 1)]);
  const [forged] = await refused;
  await inbox.until(1, 10_000);
  return { inbox, receiver, id, forged };
}

async function assertRefused(run: Awaited<ReturnType<typeof forgedThenGenuine>>): Promise<void> {
  const { inbox, receiver, id, forged } = run;
  assert.deepEqual(inbox.ns(), [1], 'only the genuine note is delivered');
  assert.equal(forged.code, TransportErrorCodes.FORGED_ENTRY);
  assert.equal(forged.details?.id, id);
  assert.equal(receiver.stats().rejectedEntries, 1);
  // Acknowledged and deleted: it does not come back.
  await receiver.flushAcks();
  const deadline = Date.now() + 5_000;
  while ((await admin.xrange(receiver.stream, id, id)).length > 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  assert.equal((await admin.xrange(receiver.stream, id, id)).length, 0, 'the forged entry is deleted');
  assert.equal(await pending(receiver.stream), 0);
}

test('a forged XADD (a well-formed entry, no MAC) into a node stream is not delivered: acknowledged, deleted, counted', async () => {
  await assertRefused(await forgedThenGenuine((receiver) => admin.xadd(receiver.stream, '*', 's', 'other-node', 'e', sayPayload()) as Promise<string>));
});

test('an entry signed with another key is refused', async () => {
  await assertRefused(
    await forgedThenGenuine((receiver) => {
      const payload = sayPayload();
      return admin.xadd(receiver.stream, '*', 's', 'other-node', 'n', TEST_NONCE, 'e', payload, 'm', entryMac(otherKey, receiver.stream, 'other-node', TEST_NONCE, payload)) as Promise<string>;
    }),
  );
});

test('an entry claiming another sender than the one it was signed for is refused', async () => {
  await assertRefused(
    await forgedThenGenuine((receiver) => {
      const payload = sayPayload();
      return admin.xadd(receiver.stream, '*', 's', 'moderator-node', 'n', TEST_NONCE, 'e', payload, 'm', entryMac(resolveClusterKey(), receiver.stream, 'other-node', TEST_NONCE, payload)) as Promise<string>;
    }),
  );
});

test('a genuine entry copied into another node stream is refused there', async () => {
  // A genuine entry, sent by a node to a third node's stream (nobody reads it here: it stays).
  const sender = await started('s', null);
  const thirdStream = `${prefix}:node:bystander${++next}`;
  sender.send(`bystander${next}`, [note('room:a', null, 7)]);
  await sender.flush();
  const [[, fields]] = (await admin.xrangeBuffer(thirdStream, '-', '+')) as [Buffer, Buffer[]][];
  assert.ok(fields.map(String).includes('m'), 'the genuine entry carries a MAC');
  await assertRefused(await forgedThenGenuine((receiver) => admin.xadd(receiver.stream, '*', ...fields) as Promise<string>));
});

test('a forged entry in a dead node stream is refused by the claim, and deleted', async () => {
  const claimer = await started('c', null);
  const dead = `dead${++next}`;
  const stream = `${prefix}:node:${dead}`;
  const sender = await started('s', null);
  sender.send(dead, [note('room:a', null, 1)]);
  await sender.flush();
  const forgedId = (await admin.xadd(stream, '*', 's', sender.nodeId, 'e', sayPayload())) as string;
  const forged: ForgedEntryError[] = [];
  claimer.on('forged', (e) => forged.push(e));
  const deliveries = await claimer.claimFrom(dead, { minIdleMs: 0 });
  assert.deepEqual(
    deliveries.flatMap((d) => d.envelopes.map((e) => (e.msg as { n: number }).n)),
    [1],
  );
  assert.deepEqual(
    forged.map((e) => e.details?.id),
    [forgedId],
  );
  assert.equal(claimer.stats().rejectedEntries, 1);
  await claimer.flushAcks();
  assert.equal((await admin.xrange(stream, forgedId, forgedId)).length, 0);
});

// ---- ops ----

async function publisher(nodeId: string, extra: { clusterKey?: ClusterKey } = {}): Promise<OpsPublisher & { reasons: string[] }> {
  const reasons: string[] = [];
  const p = (await startOpsPublisher({ redisUrl: SHARED_REDIS_URL, prefix, nodeId, requestTimeoutMs: 2_000, onRejected: (_where, reason) => reasons.push(reason), ...extra })) as OpsPublisher & {
    reasons: string[];
  };
  p.reasons = reasons;
  opened.push(p);
  return p;
}

/** Resolves once `p` refused `count` messages in all. */
async function rejections(p: OpsPublisher, count: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (p.rejected < count) {
    if (Date.now() > deadline) throw new Error(`only ${p.rejected} of ${count} rejections`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a bare PUBLISH on the ops RPC channel is not acted on; a signed request is', async () => {
  const target = await publisher(`ops-t${++next}`);
  const caller = await publisher(`ops-c${next}`);
  const acted: unknown[] = [];
  target.serve(async (body, meta) => {
    acted.push({ body, from: meta.from, token: meta.token });
    return 'done';
  });
  const channel = `${prefix}:ops:rpc:${target.nodeId}`;
  await admin.publish(channel, JSON.stringify({ t: 'req', id: 'x1', from: caller.nodeId, body: { action: 'crash-worker', worker: 0 } }));
  // Signed with another key: refused too.
  const forger = await publisher(`ops-f${next}`, { clusterKey: otherKey });
  await assert.rejects(forger.request(target.nodeId, { action: 'drain-node' }, 300), { code: 'GLASS_ERR_OPS_TIMEOUT' });
  await rejections(target, 2);
  assert.deepEqual(target.reasons, ['unsigned', 'bad-mac']);
  assert.deepEqual(acted, []);
  assert.equal(await caller.request(target.nodeId, { action: 'expand' }, 2_000, 'operator-token'), 'done');
  assert.deepEqual(acted, [{ body: { action: 'expand' }, from: caller.nodeId, token: 'operator-token' }]);
});

test('a signed ops request replayed on the channel is refused', async () => {
  const target = await publisher(`ops-t${++next}`);
  const caller = await publisher(`ops-c${next}`);
  let acted = 0;
  target.serve(async () => ++acted);
  const channel = `${prefix}:ops:rpc:${target.nodeId}`;
  const spy = new Redis(SHARED_REDIS_URL);
  try {
    const captured = new Promise<string>((resolve) => spy.on('message', (_c: string, m: string) => resolve(m)));
    await spy.subscribe(channel);
    assert.equal(await caller.request(target.nodeId, { action: 'drain-node' }), 1);
    const message = await captured;
    await admin.publish(channel, message);
    // And moved to another node's channel: the channel is signed.
    const other = await publisher(`ops-o${next}`);
    other.serve(async () => ++acted);
    await admin.publish(`${prefix}:ops:rpc:${other.nodeId}`, message);
    await rejections(target, 1);
    await rejections(other, 1);
    assert.deepEqual(target.reasons, ['replayed']);
    assert.deepEqual(other.reasons, ['bad-mac']);
    assert.equal(acted, 1);
  } finally {
    spy.disconnect();
  }
});

test('a forged ops report is read as missing', async () => {
  const a = await publisher(`ops-a${++next}`);
  const b = await publisher(`ops-b${next}`);
  await a.publish({ healthy: true });
  await admin.set(`${prefix}:ops:report:${b.nodeId}`, JSON.stringify({ healthy: false, forged: true }), 'PX', 5_000);
  const reports = await a.read([a.nodeId, b.nodeId]);
  assert.deepEqual([...reports], [[a.nodeId, { healthy: true }]]);
  assert.equal(a.rejected, 1);
});

test('a signed ops request older than the window is refused as stale', async () => {
  const target = await publisher(`ops-t${++next}`);
  let acted = 0;
  target.serve(async () => ++acted);
  const channel = `${prefix}:ops:rpc:${target.nodeId}`;
  const ts = Date.now() - 60_000;
  const p = JSON.stringify({ t: 'req', id: 'old-1', from: 'ops-x', body: { action: 'crash-worker' } });
  const mac = resolveClusterKey().mac('glass-ops/1', channel, String(ts), p).toString('base64');
  await admin.publish(channel, JSON.stringify({ ts, p, mac }));
  await rejections(target, 1);
  assert.deepEqual(target.reasons, ['stale']);
  assert.equal(acted, 0);
});
