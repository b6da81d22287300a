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

test('an actor throwing in receive does not take its worker down; it and its neighbours keep answering', async () => {
  for (const thread of [1, 2]) {
    const [failing, neighbour] = idsOnThread(node, thread, `fail-t${thread}`, 2);
    const bad = counter.ref(node, failing);
    const good = counter.ref(node, neighbour);
    assert.equal(await bad.ask({ type: 'add', by: 5 }), 5);
    assert.equal(await good.ask({ type: 'add', by: 1 }), 1);

    await assert.rejects(bad.ask({ type: 'fail', why: 'first' }), (err: any) => {
      assert.equal(err.code, ErrorCodes.ACTOR_FAILED);
      assert.equal(err.message, 'first');
      assert.deepEqual(err.details, { actor: `counter:${failing}`, messageType: 'fail' });
      return true;
    });
    bad.tell({ type: 'fail', why: 'second, told' });
    await assert.rejects(bad.ask({ type: 'refuse', code: 'GLASS_ERR_TEST_REFUSED' }), { code: 'GLASS_ERR_TEST_REFUSED' });

    assert.equal(await good.ask({ type: 'add', by: 1 }), 2);
    assert.equal(await bad.ask({ type: 'add', by: 1 }), 6);
    assert.equal(node.workers[thread - 1].status, 'running');

    const [view] = (await node.inspect({ kind: 'counter' })).filter((t) => t.thread === thread);
    const failed = view.actors.find((a) => a.id === failing)!;
    assert.equal(failed.failures, 2);
    assert.equal(failed.lastFailure?.messageType, 'fail');
    assert.equal(failed.lastFailure?.message, 'second, told');
    assert.equal(typeof failed.lastFailure?.at, 'number');
    assert.equal(failed.status, 'active');
    const fine = view.actors.find((a) => a.id === neighbour)!;
    assert.equal(fine.failures, 0);
    assert.equal(fine.lastFailure, null);
  }
  assert.equal((await node.stats()).length, 2);
});
