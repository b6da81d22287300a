import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { crasher, ledger } from '../fixtures/crash-actors.js';
import { COUNTING_STORE_MODULE, storeLoads } from '../fixtures/counting-store.js';
import { type GlassNode } from '../../runtime/node/index.js';
import { startTestCouch } from '../contract/couch-harness.js';
import { idsOnThread, startTestNode, until } from './node-harness.js';
import { nextRestart } from './worker-events.js';

const CRASH_ACTORS = new URL('../fixtures/crash-actors.js', import.meta.url).href;
/** How long the fixture store holds back the acknowledgement of a `slowack-` save it has written. */
const ACK_DELAY_MS = 3_000;

let couch: Awaited<ReturnType<typeof startTestCouch>>;
const nodes: GlassNode[] = [];

function start(nodeId: string, db: string, stateCopyBytes?: number): Promise<GlassNode> {
  return startTestNode({
    nodeId,
    actorModules: [CRASH_ACTORS, COUNTING_STORE_MODULE],
    store: { module: COUNTING_STORE_MODULE, export: 'createCountingStore', options: { url: couch.couch.url, db, ackDelayMs: ACK_DELAY_MS } },
    ...(stateCopyBytes === undefined ? {} : { stateCopyBytes }),
  }).then((node) => {
    nodes.push(node);
    return node;
  });
}

before(async () => {
  couch = await startTestCouch('state-copy');
});

after(async () => {
  for (const node of nodes) await node.close();
  await couch?.stop();
});

/** Kills worker `thread` and waits for its replacement. */
async function crash(node: GlassNode, thread: number): Promise<void> {
  const restarted = nextRestart(node, thread);
  const [killer] = idsOnThread(node, thread, 'crasher', 1);
  crasher.ref(node, killer).tell({ type: 'exit', code: 9 });
  await restarted;
}

/** Resolves once the node's copy says `done` (its reports arrive on a port of their own: each look lets them in). */
function copyHeard(node: GlassNode, done: (stats: NonNullable<ReturnType<GlassNode['stateCopyStats']>>) => boolean, what: string): Promise<void> {
  return until(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return done(node.stateCopyStats()!);
  }, what);
}

/** What the store of `thread`'s current worker was asked to load, by key. */
async function loadsOn(node: GlassNode, thread: number): Promise<Record<string, number>> {
  const [counter] = idsOnThread(node, thread, 'counter', 1);
  return (await storeLoads.ref(node, counter).ask({ type: 'count' })) as Record<string, number>;
}

test('after a worker crash its actors come back with their last acknowledged state from the node, without reading the store', async () => {
  const node = await start('copy-node', `copy_${process.pid}`);
  const victims = idsOnThread(node, 1, 'copy-ledger', 20);
  for (const [i, id] of victims.entries()) {
    await ledger.ref(node, id).ask({ type: 'add', by: 1 });
    await ledger.ref(node, id).ask({ type: 'add', by: i });
  }
  // Written and acknowledged by the store; its acknowledgement held back by the fixture, then the worker dies.
  const [uncertain] = idsOnThread(node, 1, 'slowack-ledger', 1);
  await ledger.ref(node, uncertain).ask({ type: 'add', by: 1 }, { timeoutMs: 2 * ACK_DELAY_MS });
  const lost = ledger.ref(node, uncertain).ask({ type: 'add', by: 10 }, { timeoutMs: ACK_DELAY_MS }).catch((err: unknown) => err);
  const [counter] = idsOnThread(node, 1, 'counter', 1);
  await until(async () => (await storeLoads.ref(node, counter).ask({ type: 'writtenUnacked', key: `ledger:${uncertain}` })) === true, 'the store to write the second add');
  await copyHeard(node, (stats) => stats.docs >= victims.length, 'the copy to hold every acknowledged save');

  await crash(node, 1);
  assert.ok((await lost) instanceof Error, 'the add whose save was never acknowledged to its worker was not acknowledged');
  for (const [i, id] of victims.entries()) {
    assert.deepEqual(await ledger.ref(node, id).ask({ type: 'get' }), { total: 1 + i, adds: 2 }, id);
  }
  // The store holds the add the copy never heard of: the actor comes back with it, from the store.
  assert.deepEqual(await ledger.ref(node, uncertain).ask({ type: 'get' }), { total: 11, adds: 2 });
  const loads = await loadsOn(node, 1);
  for (const id of victims) assert.equal(loads[`ledger:${id}`], undefined, `${id} was read from the store`);
  assert.equal(loads[`ledger:${uncertain}`], 1, 'the actor whose save had an unknown outcome is read from the store');
  const stats = await node.stats();
  assert.equal(stats[0].loadsFromCopy, victims.length);

  // They go on from the revision they came back with (a stale one would be fenced by the store).
  for (const id of victims) assert.equal(await ledger.ref(node, id).ask({ type: 'add', by: 100 }), 100 + 1 + victims.indexOf(id));
  // A second crash: the copy follows their saves since the first.
  await crash(node, 1);
  for (const [i, id] of victims.entries()) assert.deepEqual(await ledger.ref(node, id).ask({ type: 'get' }), { total: 101 + i, adds: 3 });
  assert.deepEqual(await loadsOn(node, 1), {});
  await node.close();
});

test('with no room in the copy, a crashed worker\'s actors come back from the store', async () => {
  // 1 byte: every document is evicted as soon as it arrives.
  const node = await start('copy-tiny', `copy_tiny_${process.pid}`, 1);
  const victims = idsOnThread(node, 1, 'tiny-ledger', 5);
  for (const id of victims) await ledger.ref(node, id).ask({ type: 'add', by: 3 });
  // The saves reach the copy in the worker's next post, which may come after the replies.
  await copyHeard(node, (stats) => stats.evicted >= victims.length, 'every save evicted from the copy');
  assert.equal(node.stateCopyStats()!.docs, 0);
  await crash(node, 1);
  for (const id of victims) assert.deepEqual(await ledger.ref(node, id).ask({ type: 'get' }), { total: 3, adds: 1 });
  const loads = await loadsOn(node, 1);
  for (const id of victims) assert.equal(loads[`ledger:${id}`], 1, `${id} is read from the store`);
  await node.close();
});

test('with the copy off, nothing is reported or kept', async () => {
  const node = await start('copy-off', `copy_off_${process.pid}`, 0);
  const [id] = idsOnThread(node, 1, 'off-ledger', 1);
  await ledger.ref(node, id).ask({ type: 'add', by: 2 });
  assert.equal(node.stateCopyStats(), null);
  await crash(node, 1);
  assert.deepEqual(await ledger.ref(node, id).ask({ type: 'get' }), { total: 2, adds: 1 });
  assert.equal((await loadsOn(node, 1))[`ledger:${id}`], 1);
  await node.close();
});
