import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GlassNode } from '../../runtime/node/index.js';
import { counter } from '../fixtures/probe-actors.js';
import { idsOnThread, startTestNode, until } from './node-harness.js';

let node: GlassNode;
before(async () => {
  node = await startTestNode({ idleAfterMs: 50, sweepIntervalMs: 10 });
});
after(() => node.close());

async function isActive(kind: string, id: string): Promise<boolean> {
  const threads = await node.inspect({ kind });
  return threads.some((t) => t.actors.some((a) => a.id === id));
}

test('idle actors on both workers are passivated by the sweep and come back with their state', async () => {
  const ids = [...idsOnThread(node, 1, 'idle', 2), ...idsOnThread(node, 2, 'idle', 2)];
  for (const [i, id] of ids.entries()) assert.equal(await counter.ref(node, id).ask({ type: 'add', by: 10 + i }), 10 + i);
  for (const id of ids) await until(async () => !(await isActive('counter', id)), `counter:${id} to be passivated`);
  const stats = await node.stats();
  assert.equal(stats.reduce((sum, s) => sum + s.actors, 0), 0);

  for (const [i, id] of ids.entries()) {
    assert.deepEqual(await counter.ref(node, id).ask({ type: 'get' }), { id, count: 10 + i });
    assert.equal(await counter.ref(node, id).ask({ type: 'add', by: 1 }), 11 + i);
  }
  // And again: a second activation cycle saves over the first.
  for (const id of ids) await until(async () => !(await isActive('counter', id)), `counter:${id} to be passivated again`);
  for (const [i, id] of ids.entries()) assert.deepEqual(await counter.ref(node, id).ask({ type: 'get' }), { id, count: 11 + i });
});
