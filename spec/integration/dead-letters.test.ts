import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../runtime/index.js';
import { type GlassNode } from '../../runtime/node/index.js';
import { tiny } from '../fixtures/probe-actors.js';
import { deadLetters, idsOnThread, startTestNode } from './node-harness.js';

let node: GlassNode;
before(async () => {
  node = await startTestNode();
});
after(() => node.close());

test('a tell to an unknown kind becomes a dead letter on the node, whichever worker refused it', async () => {
  const ids = [...idsOnThread(node, 1, 'ghost', 1), ...idsOnThread(node, 2, 'ghost', 1)];
  const letters = deadLetters(node, 2, (l) => l.reason === 'unknown-kind');
  for (const id of ids) node.tell({ kind: 'no-such-kind', id }, { type: 'boo' });
  const got = await letters;
  assert.deepEqual(got.map((l) => l.to).sort(), ids.map((id) => `no-such-kind:${id}`).sort());
  for (const l of got) {
    assert.equal(l.messageType, 'boo');
    assert.equal(l.from, null);
    assert.equal(typeof l.at, 'number');
  }
  await assert.rejects(node.ask({ kind: 'no-such-kind', id: ids[0] }, { type: 'boo' }), { code: ErrorCodes.UNKNOWN_KIND });
});

test('a burst into a tiny mailbox: the overflow becomes dead letters "mailbox-full", the rest is handled', async () => {
  for (const thread of [1, 2]) {
    const [id] = idsOnThread(node, thread, 'tiny', 1);
    const letters = deadLetters(node, 8, (l) => l.to === `tiny:${id}`);
    const countBefore = node.deadLetters.count;
    // One synchronous burst crosses to the worker as one batch and lands in the mailbox at once.
    for (let n = 1; n <= 10; n++) tiny.ref(node, id).tell({ type: 'work', n });
    const got = await letters;
    assert.deepEqual(got.map((l) => [l.messageType, l.reason]), Array(8).fill(['work', 'mailbox-full']));
    assert.deepEqual(await tiny.ref(node, id).ask({ type: 'handled' }), [1, 2]);
    assert.equal(node.deadLetters.count, countBefore + 8);
    assert.ok(node.deadLetters.recent().some((l) => l.to === `tiny:${id}` && l.reason === 'mailbox-full'));
  }
});

test('an ask into a full mailbox is answered GLASS_ERR_MAILBOX_FULL across threads', async () => {
  const [id] = idsOnThread(node, 2, 'tiny-ask', 1);
  const ref = tiny.ref(node, id);
  ref.tell({ type: 'work', n: 1 });
  ref.tell({ type: 'work', n: 2 });
  await assert.rejects(ref.ask({ type: 'handled' }), { code: ErrorCodes.MAILBOX_FULL });
  assert.deepEqual(await ref.ask({ type: 'handled' }), [1, 2]);
});
