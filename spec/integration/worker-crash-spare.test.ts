import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { couchStoreRef } from '../../cluster/index.js';
import { crasher, ledger } from '../fixtures/crash-actors.js';
import { SpareEvent, type GlassNode } from '../../runtime/node/index.js';
import { startTestCouch } from '../contract/couch-harness.js';
import { idsOnThread, startTestNode } from './node-harness.js';
import { nextRestart } from './worker-events.js';

const CRASH_ACTORS = new URL('../fixtures/crash-actors.js', import.meta.url).href;
const SPARE_REFUSING = new URL('../fixtures/spare-refusing-actors.js', import.meta.url).href;

let couch: Awaited<ReturnType<typeof startTestCouch>>;
const nodes: GlassNode[] = [];

async function start(nodeId: string, overrides: Parameters<typeof startTestNode>[0] = {}): Promise<GlassNode> {
  const node = await startTestNode({ nodeId, actorModules: [CRASH_ACTORS], store: couchStoreRef(couch.couch.url, `spare_${nodeId}_${process.pid}`), ...overrides });
  nodes.push(node);
  return node;
}

before(async () => {
  couch = await startTestCouch('spare');
});

after(async () => {
  for (const node of nodes) await node.close();
  await couch?.stop();
});

/** Resolves with the thread id of the node's spare once it has imported its modules (or ended, with `event` 'lost'). */
function spare(node: GlassNode, event: SpareEvent = SpareEvent.LOADED): Promise<number> {
  const now = node.supervisor.spareStats()?.spare;
  if (event === SpareEvent.LOADED && now?.loaded === true) return Promise.resolve(now.threadId);
  return new Promise((resolve) => {
    const off = node.supervisor.onSpare((seen, threadId) => {
      if (seen !== event) return;
      off();
      resolve(threadId);
    });
  });
}

/** Kills worker `thread` by process.exit and waits for its replacement. */
async function crash(node: GlassNode, thread: number, code: number) {
  const restarted = nextRestart(node, thread);
  const [killer] = idsOnThread(node, thread, 'crasher', 1);
  crasher.ref(node, killer).tell({ type: 'exit', code });
  return restarted;
}

test('a dead worker is replaced by the pre-booted spare at once, its actors answer with their state, and a new spare boots', async () => {
  const node = await start('spare-node');
  const victims = idsOnThread(node, 1, 'spare-ledger', 10);
  for (const [i, id] of victims.entries()) await ledger.ref(node, id).ask({ type: 'add', by: i + 1 });
  const booted = await spare(node);
  assert.notEqual(booted, node.workers[0].worker.threadId);

  const first = await crash(node, 1, 5);
  assert.equal(first.worker.threadId, booted, 'the replacement is the spare thread');
  assert.equal(first.nextDelayMs, 0, 'a first crash restarts at once');
  assert.equal(first.lastExit?.code, 5);
  assert.equal(first.status, 'running');
  for (const [i, id] of victims.entries()) assert.deepEqual(await ledger.ref(node, id).ask({ type: 'get' }), { total: i + 1, adds: 1 }, id);

  // The next spare boots once the replacement has had its start; a second crash soon after backs off, and adopts it.
  const second = await spare(node);
  assert.notEqual(second, booted);
  for (const id of victims) await ledger.ref(node, id).ask({ type: 'add', by: 100 });
  const again = await crash(node, 1, 6);
  assert.equal(again.worker.threadId, second);
  assert.equal(again.nextDelayMs, 100, 'the second crash within the window waits the backoff');
  assert.equal(again.restarts, 2);
  for (const [i, id] of victims.entries()) assert.deepEqual(await ledger.ref(node, id).ask({ type: 'get' }), { total: i + 101, adds: 2 }, id);
  const stats = node.supervisor.spareStats()!;
  assert.equal(stats.adopted, 2);
  assert.equal(stats.lost, 0);
  // The other worker went on undisturbed.
  assert.equal(node.workers[1].restarts, 0);
});

test('with spareWorker off a restart starts a thread from scratch, and the actors come back the same', async () => {
  const node = await start('spare-off', { spareWorker: false });
  assert.equal(node.supervisor.spareStats(), null);
  const [id] = idsOnThread(node, 1, 'off-ledger', 1);
  await ledger.ref(node, id).ask({ type: 'add', by: 4 });
  const before = node.workers[0].worker.threadId;
  const handle = await crash(node, 1, 7);
  assert.notEqual(handle.worker.threadId, before);
  assert.deepEqual(await ledger.ref(node, id).ask({ type: 'get' }), { total: 4, adds: 1 });
});

test('a spare that fails to load is counted as lost, and the restart starts a thread from scratch', async () => {
  // The spare may have ended before the node was returned: the count says so.
  const node = await start('spare-lost', { actorModules: [CRASH_ACTORS, SPARE_REFUSING] });
  if (node.supervisor.spareStats()!.lost === 0) await spare(node, SpareEvent.LOST);
  assert.equal(node.supervisor.spareStats()!.spare, null);
  const [id] = idsOnThread(node, 1, 'lost-ledger', 1);
  await ledger.ref(node, id).ask({ type: 'add', by: 2 });
  const handle = await crash(node, 1, 8);
  assert.equal(handle.status, 'running');
  assert.deepEqual(await ledger.ref(node, id).ask({ type: 'get' }), { total: 2, adds: 1 });
  assert.equal(node.supervisor.spareStats()!.adopted, 0);
});
