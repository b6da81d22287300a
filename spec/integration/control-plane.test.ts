import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../runtime/index.js';
import { type GlassNode } from '../../runtime/node/index.js';
import { counter } from '../fixtures/probe-actors.js';
import { idsOnThread, startTestNode } from './node-harness.js';

let node: GlassNode;
before(async () => {
  node = await startTestNode();
});
after(() => node.close());

async function activeIds(kind: string, thread?: number): Promise<string[]> {
  const views = await node.inspect({ kind });
  return views
    .filter((v) => thread === undefined || v.thread === thread)
    .flatMap((v) => v.actors.map((a) => a.id))
    .sort();
}

test('inspect lists active actors per worker, by kind and up to a limit; stats count actors and handled messages', async () => {
  const one = idsOnThread(node, 1, 'cp-inspect', 3);
  const two = idsOnThread(node, 2, 'cp-inspect', 2);
  const before = await node.stats();
  for (const id of [...one, ...two]) await counter.ref(node, id).ask({ type: 'add', by: 1 });

  const views = await node.inspect({ kind: 'counter' });
  assert.deepEqual(views.map((v) => v.thread), [1, 2]);
  assert.deepEqual(views[0].actors.map((a) => a.id).filter((id) => one.includes(id)).sort(), [...one].sort());
  assert.deepEqual(views[1].actors.map((a) => a.id).filter((id) => two.includes(id)).sort(), [...two].sort());
  const snapshot = views[0].actors.find((a) => a.id === one[0])!;
  assert.equal(snapshot.kind, 'counter');
  assert.equal(snapshot.status, 'active');
  assert.equal(snapshot.mailbox, 0);
  assert.equal(snapshot.failures, 0);
  assert.ok(snapshot.idleMs >= 0);

  assert.deepEqual(await node.inspect({ kind: 'tiny' }), [{ thread: 1, actors: [] }, { thread: 2, actors: [] }]);
  assert.equal((await node.inspect({ kind: 'counter', limit: 1 }))[0].actors.length, 1);

  const after = await node.stats();
  assert.deepEqual(after.map((s) => s.thread), [1, 2]);
  assert.ok(after[0].actors >= 3 && after[1].actors >= 2);
  assert.ok(after[0].processed >= before[0].processed + 3, `thread 1 processed ${before[0].processed} → ${after[0].processed}`);
  assert.ok(after[1].processed >= before[1].processed + 2, `thread 2 processed ${before[1].processed} → ${after[1].processed}`);
  for (const s of after) {
    assert.equal(s.mailboxTotal, 0);
    assert.equal(s.pendingAsks, 0);
  }
});

test('passivate(kind, id) saves and removes one actor; its next message brings it back with its state', async () => {
  const [id] = idsOnThread(node, 2, 'cp-passivate', 1);
  const ref = counter.ref(node, id);
  assert.equal(await ref.ask({ type: 'add', by: 41 }), 41);
  assert.equal(await node.passivate('counter', id), true);
  assert.ok(!(await activeIds('counter')).includes(id));
  assert.equal(await node.passivate('counter', id), false, 'already passivated');
  assert.equal(await node.passivate('counter', 'never-seen'), false);
  assert.equal(await ref.ask({ type: 'add', by: 1 }), 42);
  assert.ok((await activeIds('counter')).includes(id));
});

test('drainWorker(thread) passivates every actor of that worker only; they come back with their state', async () => {
  const drained = idsOnThread(node, 1, 'cp-drain', 4);
  const [other] = idsOnThread(node, 2, 'cp-drain', 1);
  for (const [i, id] of drained.entries()) await counter.ref(node, id).ask({ type: 'add', by: 100 + i });
  await counter.ref(node, other).ask({ type: 'add', by: 7 });
  const activeOnOne = (await node.stats())[0].actors;

  assert.equal(await node.drainWorker(1), activeOnOne);
  assert.equal((await node.stats())[0].actors, 0);
  assert.deepEqual(await activeIds('counter', 1), []);
  assert.ok((await activeIds('counter', 2)).includes(other));

  for (const [i, id] of drained.entries()) assert.deepEqual(await counter.ref(node, id).ask({ type: 'get' }), { id, count: 100 + i });
  assert.deepEqual(await activeIds('counter', 1), [...drained].sort());
});

test('drainWorker of a thread that does not exist rejects with GLASS_ERR_WORKER_FAILED', async () => {
  await assert.rejects(node.drainWorker(3), { code: ErrorCodes.WORKER_FAILED });
  await assert.rejects(node.drainWorker(0), { code: ErrorCodes.WORKER_FAILED });
});
