import { after, before, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { couchStoreRef } from '../../cluster/index.js';
import { keeper, stuck } from '../fixtures/blocking-actors.js';
import { Envelope, Lane, type DeliveryReceipt } from '../../runtime/index.js';
import { ExitReason, WorkerStatus, type BlockedMessage, type GlassNode } from '../../runtime/node/index.js';
import { startTestCouch } from '../contract/couch-harness.js';
import { idsOnThread, startTestNode } from './node-harness.js';
import { nextBlocked, nextRestart } from './worker-events.js';

const BLOCKING_ACTORS = new URL('../fixtures/blocking-actors.js', import.meta.url).href;
// Well above a beat (250 ms) delayed by a loaded machine, well below the ask timeout.
const BLOCKED_AFTER_MS = 1_000;

let couch: Awaited<ReturnType<typeof startTestCouch>>;
let node: GlassNode;

before(async () => {
  couch = await startTestCouch('blocked');
  node = await startTestNode({
    actorModules: [BLOCKING_ACTORS],
    store: couchStoreRef(couch.couch.url, `blocked_${process.pid}`),
    blockedAfterMs: BLOCKED_AFTER_MS,
    logLevel: 'silent',
  });
});

after(async () => {
  await node?.close();
  await couch?.stop();
});

test('a handler that never returns: its worker is ended and restarted, the message quarantined, the other actors come back with their state', { timeout: 30_000 }, async () => {
  const thread = 1;
  const [blocker] = idsOnThread(node, thread, 'spinner', 1);
  const [saver] = idsOnThread(node, thread, 'saver', 1);
  assert.equal(await keeper.ref(node, saver).ask({ type: 'keep', note: 'kept before the block' }), true);
  assert.equal(await stuck.ref(node, blocker).ask({ type: 'ping' }), 'pong');
  const blocked = nextBlocked(node, thread);
  const restarted = nextRestart(node, thread);
  const handle = node.workers[thread - 1];
  const restartsBefore = handle.restarts;
  const logged = mock.method(node.log, 'error');

  stuck.ref(node, blocker).tell({ type: 'spin' });
  const seen = await blocked;
  assert.equal(seen.key, `stuck:${blocker}`, 'the pulse names the actor');
  assert.equal(seen.messageType, 'spin', 'and the message type');
  assert.equal(seen.receipt, 0);
  assert.ok(seen.forMs > BLOCKED_AFTER_MS, `blocked for ${seen.forMs} ms`);
  assert.equal(handle.status, WorkerStatus.BLOCKED, 'the worker says why while it is ended');

  await restarted;
  const lines = logged.mock.calls.map((c) => ({ fields: c.arguments[0] as Record<string, unknown>, msg: c.arguments[1] }));
  logged.mock.restore();
  assert.deepEqual(
    lines.filter((l) => l.fields.thread === thread).map((l) => [l.msg, l.fields.reason ?? null, l.fields.actor ?? null]),
    [
      ['worker blocked; ending it', 'blocked', `stuck:${blocker}`],
      ['message quarantined: it blocked its worker', null, `stuck:${blocker}`],
      ['blocked worker ended; restarting', 'blocked', null],
    ],
    'the log says why',
  );
  assert.equal(handle.status, WorkerStatus.RUNNING);
  assert.equal(handle.restarts, restartsBefore + 1);
  assert.equal(handle.lastExit?.reason, ExitReason.BLOCKED);
  assert.match(handle.lastExit?.error ?? '', new RegExp(`^blocked for \\d+ ms in stuck:${blocker} \\(spin\\)$`));

  const tree = await node.supervisionTree();
  const worker = tree.workers.find((w) => w.thread === thread)!;
  assert.equal(worker.status, WorkerStatus.RUNNING);
  assert.equal(worker.lastExit?.reason, ExitReason.BLOCKED);
  assert.equal(worker.lastBlocked?.key, `stuck:${blocker}`);

  const [entry] = node.quarantine.list({ to: `stuck:${blocker}` }) as BlockedMessage[];
  assert.ok(entry !== undefined, 'the blocking message is in the quarantine');
  assert.equal(entry.reason, 'blocked');
  assert.equal(entry.messageType, 'spin');
  assert.equal(entry.thread, thread);
  assert.ok(entry.blockedForMs > BLOCKED_AFTER_MS);
  assert.equal(entry.at, seen.since);
  assert.equal(entry.redrivable, false, 'sent inside the node: its content was the dead worker\'s');
  assert.equal(node.redrive(entry.id), false, 'a message the node never had is not re-driven');

  // The other actor of the same worker comes back from the store; the blocker takes a harmless message.
  assert.equal(await keeper.ref(node, saver).ask({ type: 'note' }), 'kept before the block');
  assert.equal(await stuck.ref(node, blocker).ask({ type: 'ping' }), 'pong');
  assert.equal(handle.status, WorkerStatus.RUNNING);
  assert.equal(handle.restarts, restartsBefore + 1, 'the replacement was not blocked again');
});

test('a blocking message from another node is acknowledged and quarantined, not redelivered to the replacement', { timeout: 30_000 }, async () => {
  const thread = 2;
  const [blocker] = idsOnThread(node, thread, 'remote-spinner', 1);
  const [saver] = idsOnThread(node, thread, 'remote-saver', 1);
  assert.equal(await keeper.ref(node, saver).ask({ type: 'keep', note: 'kept on thread 2' }), true);
  const blocked = nextBlocked(node, thread);
  const restarted = nextRestart(node, thread);
  const handle = node.workers[thread - 1];
  const restartsBefore = handle.restarts;

  const logged = mock.method(node.log, 'error');
  let acks = 0;
  const receipt: DeliveryReceipt = { from: 'peer', ack: () => acks++, ackOne: () => acks++ };
  const e = new Envelope(`stuck:${blocker}`, 'room:elsewhere', 1, 1, { type: 'spin', from: 'peer', secret: 'hunter2' }, undefined, Lane.USER, -1, 0, 0);
  e.seqEpoch = 1;
  e.replyNode = 'peer';
  node.acceptDeliveries([e], receipt);

  const seen = await blocked;
  assert.equal(seen.key, `stuck:${blocker}`);
  assert.notEqual(seen.receipt, 0, 'the pulse carries the receipt of an envelope from another node');
  assert.equal(acks, 1, 'its stream entry is acknowledged when it is quarantined');
  await restarted;
  assert.ok(logged.mock.calls.length >= 3);
  assert.ok(!JSON.stringify(logged.mock.calls.map((c) => c.arguments)).includes('hunter2'), 'no message content in the logs');
  logged.mock.restore();
  assert.equal(node.clusterStatus().unackedDeliveries, 0, "nothing of it is held for the replacement");

  const [entry] = node.quarantine.list({ to: `stuck:${blocker}` }) as BlockedMessage[];
  assert.equal(entry.redrivable, true);
  assert.deepEqual(entry.message, { type: 'spin', from: 'peer', secret: 'hunter2' });
  assert.equal(entry.from, 'room:elsewhere');
  // Had it been redelivered, the replacement would spin on it before this ping.
  assert.equal(await stuck.ref(node, blocker).ask({ type: 'ping' }), 'pong');
  assert.equal(await keeper.ref(node, saver).ask({ type: 'note' }), 'kept on thread 2');
  assert.equal(handle.restarts, restartsBefore + 1);
  assert.equal(acks, 1);
});
