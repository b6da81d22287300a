import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AskTimeoutError, ErrorCodes } from '../../runtime/index.js';
import { type GlassNode } from '../../runtime/node/index.js';
import { blackHole, counter } from '../fixtures/probe-actors.js';
import { idsOnThread, startTestNode } from './node-harness.js';

let node: GlassNode;
before(async () => {
  node = await startTestNode();
});
after(() => node.close());

test('an ask across threads to an actor that never answers rejects with GLASS_ERR_ASK_TIMEOUT', async () => {
  for (const thread of [1, 2]) {
    const [id] = idsOnThread(node, thread, 'hole', 1);
    await assert.rejects(blackHole.ref(node, id).ask({ type: 'swallow' }, { timeoutMs: 50 }), (err: unknown) => {
      assert.ok(err instanceof AskTimeoutError);
      assert.equal(err.code, ErrorCodes.ASK_TIMEOUT);
      assert.equal(err.details?.target, `black-hole:${id}`);
      assert.equal(err.details?.timeoutMs, 50);
      return true;
    });
    // The worker is not stuck: other actors on it answer.
    const [other] = idsOnThread(node, thread, 'after-hole', 1);
    assert.equal(await counter.ref(node, other).ask({ type: 'add', by: 1 }), 1);
  }
  const stats = await node.stats();
  assert.deepEqual(stats.map((s) => s.pendingAsks), [0, 0]);
});

test('the node default ask timeout applies when the ask sets none', async (t) => {
  const quick = await startTestNode({ askTimeoutMs: 50, nodeId: 'itest-quick' });
  t.after(() => quick.close());
  const [id] = idsOnThread(quick, 1, 'hole', 1);
  await assert.rejects(blackHole.ref(quick, id).ask({ type: 'swallow' }), { code: ErrorCodes.ASK_TIMEOUT });
});
