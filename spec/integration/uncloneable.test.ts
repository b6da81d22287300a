import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { counter } from '../fixtures/probe-actors.js';
import { ErrorCodes } from '../../runtime/index.js';
import { type GlassNode } from '../../runtime/node/index.js';
import { deadLetters, idsOnThread, startTestNode } from './node-harness.js';

let node: GlassNode;
before(async () => {
  node = await startTestNode();
});
after(() => node.close());

test('an uncloneable message is refused alone: its batch neighbours arrive and the link keeps working', async () => {
  const [id] = idsOnThread(node, 1, 'clone', 1);
  const ref = counter.ref(node, id);
  // Same microtask turn: one batch with a good message, a bad one, and a good one.
  const good1 = ref.ask({ type: 'add', by: 1 });
  const bad = ref.ask({ type: 'add', by: 1, fn: () => 1 } as never);
  const told = deadLetters(node, 1, (l) => l.reason === 'not-cloneable');
  ref.tell({ type: 'add', by: 10, fn: () => 1 } as never);
  const good2 = ref.ask({ type: 'add', by: 2 });
  await assert.rejects(bad, { code: ErrorCodes.INVALID_MESSAGE });
  assert.equal((await told)[0].to, `counter:${id}`);
  assert.deepEqual([await good1, await good2], [1, 3]);
  // The fallback re-sent keys from scratch: later batches on the same link still decode.
  const [other] = idsOnThread(node, 1, 'after', 1);
  assert.equal(await counter.ref(node, other).ask({ type: 'add', by: 5 }), 5);
  assert.equal(await ref.ask({ type: 'add', by: 0 }), 3);
});
