import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { couchStoreRef } from '../../cluster/index.js';
import { crasher, ledger, picky } from '../fixtures/crash-actors.js';
import { ErrorCodes, type GlassError, type QuarantinedMessage } from '../../runtime/index.js';
import { type GlassNode } from '../../runtime/node/index.js';
import { startTestCouch } from '../contract/couch-harness.js';
import { idsOnThread, startTestNode } from './node-harness.js';
import { nextRestart } from './worker-events.js';

const CRASH_ACTORS = new URL('../fixtures/crash-actors.js', import.meta.url).href;

let couch: Awaited<ReturnType<typeof startTestCouch>>;
let node: GlassNode;

before(async () => {
  couch = await startTestCouch('crash');
  node = await startTestNode({
    actorModules: [CRASH_ACTORS],
    store: couchStoreRef(couch.couch.url, `crash_${process.pid}`),
    // Small enough that the `oom` handler gets its worker killed quickly.
    resourceLimits: { maxOldGenerationSizeMb: 64 },
    logLevel: 'silent',
  });
});

after(async () => {
  await node?.close();
  await couch?.stop();
});

/**
 * Keeps `adds` asks going to each ledger, one at a time per ledger, and counts the acknowledged
 * ones. Asks that fail (a timeout while the worker is down) are counted apart; the load stops
 * when `stop()` is called.
 */
function load(ids: string[]): { acked: Map<string, number>; sent: Map<string, number>; stop(): Promise<void> } {
  const acked = new Map(ids.map((id) => [id, 0]));
  const sent = new Map(ids.map((id) => [id, 0]));
  let running = true;
  const loops = ids.map(async (id) => {
    const ref = ledger.ref(node, id);
    while (running) {
      sent.set(id, sent.get(id)! + 1);
      try {
        await ref.ask({ type: 'add', by: 1 }, { timeoutMs: 10_000 });
        acked.set(id, acked.get(id)! + 1);
      } catch {
        // Not acknowledged: it may or may not have been applied; only acked ones are promised.
      }
    }
  });
  return {
    acked,
    sent,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

for (const [how, msg] of [
  ['an uncaught exception', { type: 'uncaught' }],
  ['process.exit', { type: 'exit', code: 7 }],
  ['running out of memory', { type: 'oom' }],
] as const) {
  test(`a worker killed by ${how} under load comes back: every actor answers with its state, no acknowledged message lost`, async () => {
    const thread = 1;
    const victims = idsOnThread(node, thread, `ledger-${msg.type}`, 12);
    const bystanders = idsOnThread(node, 2, `ledger-${msg.type}`, 12);
    const traffic = load([...victims, ...bystanders]);
    // Let every ledger get some acknowledged adds before the crash.
    while ([...traffic.acked.values()].some((n) => n < 3)) await ledger.ref(node, bystanders[0]).ask({ type: 'get' });

    const restarted = nextRestart(node, thread);
    const [killer] = idsOnThread(node, thread, `crasher-${msg.type}`, 1);
    crasher.ref(node, killer).tell(msg as never);
    const handle = await restarted;
    assert.equal(handle.status, 'running');
    assert.ok(handle.lastExit !== null, 'the exit was recorded');

    // Load goes on after the restart; then every acknowledged add must be in the saved totals.
    const after = new Map(traffic.acked);
    while ([...victims].some((id) => traffic.acked.get(id)! < after.get(id)! + 2)) await ledger.ref(node, victims[0]).ask({ type: 'get' });
    await traffic.stop();

    for (const id of [...victims, ...bystanders]) {
      const { total, adds } = (await ledger.ref(node, id).ask({ type: 'get' })) as { total: number; adds: number };
      assert.equal(total, adds);
      assert.ok(total >= traffic.acked.get(id)!, `${id}: ${total} saved < ${traffic.acked.get(id)} acknowledged`);
      assert.ok(total <= traffic.sent.get(id)!, `${id}: ${total} saved > ${traffic.sent.get(id)} sent`);
    }
    assert.equal(await crasher.ref(node, killer).ask({ type: 'ping' }), 'pong');
  });
}

test('the supervision tree shows each worker with its restarts and last exit, and its actors with their status', async () => {
  const [id] = idsOnThread(node, 2, 'tree-ledger', 1);
  await ledger.ref(node, id).ask({ type: 'add', by: 1 });
  const tree = await node.supervisionTree({ kind: 'ledger' });
  assert.equal(tree.node, node.id);
  assert.deepEqual(
    tree.workers.map((w) => w.thread),
    [1, 2],
  );
  const worker1 = tree.workers[0];
  assert.equal(worker1.status, 'running');
  assert.ok(worker1.restarts >= 3, 'worker 1 was restarted by each crash test');
  assert.ok(worker1.lastExit !== null);
  const actor = tree.workers[1].actors.find((a) => a.id === id);
  assert.equal(actor?.status, 'active');
  assert.equal(actor?.restarts, 0);
  assert.deepEqual(actor?.children, []);
});

test('a poison message is quarantined on the node with its context while others flow, and can be re-driven once fixed', async () => {
  const [id] = idsOnThread(node, 2, 'picky', 1);
  const ref = picky.ref(node, id);
  const quarantined = new Promise<QuarantinedMessage>((resolve) => {
    const off = node.quarantine.subscribe((entry) => {
      off();
      resolve(entry);
    });
  });
  const poisoned = ref.ask({ type: 'work', n: -1 });
  const fine = ref.ask({ type: 'work', n: 1 });
  await assert.rejects(poisoned, (err: GlassError) => err.code === ErrorCodes.QUARANTINED && err.details?.attempts === 2);
  assert.equal(await fine, 1);
  const entry = await quarantined;
  assert.equal(entry.to, `picky:${id}`);
  assert.deepEqual(entry.message, { type: 'work', n: -1 });
  assert.match(entry.error, /cannot work on -1/);
  assert.deepEqual(node.quarantine.list({ to: `picky:${id}` }).map((e) => e.id), [entry.id]);

  await ref.ask({ type: 'fix' });
  assert.equal(node.redrive(entry.id), true);
  assert.equal(node.redrive(entry.id), false, 'a re-driven entry leaves the quarantine');
  // The re-driven tell is handled before this ask (same pair, in order).
  assert.deepEqual(await ref.ask({ type: 'done' }), [1, -1]);
});

test('a control call the worker never answers because it died is refused, not left pending (the ops view sampling a dying worker)', async () => {
  const thread = 2;
  const restarted = nextRestart(node, thread);
  const [blocker] = idsOnThread(node, thread, 'blocker', 1);
  const gate = new Int32Array(new SharedArrayBuffer(4));
  crasher.ref(node, blocker).tell({ type: 'blockThenExit', gate: gate.buffer as SharedArrayBuffer });
  // The worker is now inside the handler: nothing posted to it from here on is read.
  // (Atomics.waitAsync is in Node 20; its type is in lib ES2024, past this project's ES2023.)
  await (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { value: Promise<string> | string } }).waitAsync(gate, 0, 0).value;
  const sampled = node.sampleWorkers();
  Atomics.store(gate, 0, 2);
  Atomics.notify(gate, 0);
  await assert.rejects(sampled, (err: GlassError) => err.code === ErrorCodes.WORKER_FAILED);
  await restarted;
  // The replacement answers control calls again.
  assert.equal((await node.sampleWorkers()).length, node.workers.length);
});

test('a message that kills its worker is not sent again to the replacement: one crash, one restart', async () => {
  const thread = 2;
  const restarted = nextRestart(node, thread);
  const exits: number[] = [];
  const offExit = node.supervisor.onExit((h) => h.thread === thread && exits.push(h.restarts));
  const [killer] = idsOnThread(node, thread, 'crasher-once', 1);
  const before = node.workers[thread - 1].restarts;
  // Active first, so that the exit runs in the very turn its batch arrives (no activation between).
  assert.equal(await crasher.ref(node, killer).ask({ type: 'ping' }), 'pong');
  crasher.ref(node, killer).tell({ type: 'exit', code: 9 });
  await restarted;
  // The replacement answers: it was not handed the message that killed its predecessor.
  assert.equal(await crasher.ref(node, killer).ask({ type: 'ping' }), 'pong');
  const [other] = idsOnThread(node, thread, 'after-crash', 1);
  assert.deepEqual(await ledger.ref(node, other).ask({ type: 'get' }), { total: 0, adds: 0 });
  offExit();
  assert.equal(exits.length, 1);
  assert.equal(node.workers[thread - 1].restarts, before + 1);
});
