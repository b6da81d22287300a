import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../runtime/index.js';
import { counter } from '../fixtures/probe-actors.js';
import { startTestNode } from './node-harness.js';

test('close is idempotent: concurrent and repeated calls all resolve once the workers are stopped', async () => {
  const node = await startTestNode();
  await counter.ref(node, 'a').ask({ type: 'add', by: 1 });
  const first = node.close();
  const second = node.close();
  await second;
  assert.ok(node.workers.every((w) => w.status === 'stopped'), 'a second close resolved before the workers stopped');
  await first;
  await node.close();
});

test('after close, refs (new or held from before) and the node\'s send methods throw GLASS_ERR_NODE_CLOSED', async () => {
  const node = await startTestNode();
  const held = counter.ref(node, 'held');
  assert.equal(await held.ask({ type: 'add', by: 1 }), 1);
  await node.close();
  const closed = { code: ErrorCodes.NODE_CLOSED };
  assert.throws(() => counter.ref(node, 'new'), closed);
  assert.throws(() => node.ref('counter', 'new'), closed);
  assert.throws(() => node.tell({ kind: 'counter', id: 'x' }, { type: 'add', by: 1 }), closed);
  assert.throws(() => node.ask({ kind: 'counter', id: 'x' }, { type: 'get' }), closed);
  assert.throws(() => node.tellAs('edge', { kind: 'counter', id: 'x' }, { type: 'get' }), closed);
  assert.throws(() => held.tell({ type: 'add', by: 1 }), closed);
  assert.throws(() => held.ask({ type: 'get' }), closed);
  assert.equal(node.deadLetters.count, 0);
});
