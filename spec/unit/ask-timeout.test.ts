import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineActor } from '../../actors/index.js';
import { AskTimeoutError, ErrorCodes } from '../../runtime/index.js';
import { HostHarness, deferred, track } from './host-harness.js';

const gate = deferred<string>();

const stuck = defineActor({
  kind: 'stuck',
  initialState: () => ({ answered: 0 }),
  handlers: {
    never(_ctx, _msg: {}) {
      return new Promise<string>(() => {});
    },
    /** Answers when the test opens the gate, whenever that is. */
    gated(_ctx, _msg: {}) {
      return gate.promise;
    },
    count(ctx, _msg: {}) {
      return ++ctx.state.answered;
    },
  },
});

test('an ask that gets no answer rejects with GLASS_ERR_ASK_TIMEOUT once the clock passes its timeout, not before', async (t) => {
  const h = new HostHarness({ actors: [stuck], askTimeoutMs: 5_000 });
  t.after(() => h.close());
  const ask = track(stuck.ref(h, 'a').ask({ type: 'never' }, { timeoutMs: 300 }));
  await h.advance(299);
  assert.equal(ask.settled, false);
  assert.equal(h.router.pendingAsks, 1);
  await h.advance(1);
  await assert.rejects(ask.promise, (err: unknown) => {
    assert.ok(err instanceof AskTimeoutError);
    assert.equal(err.code, ErrorCodes.ASK_TIMEOUT);
    assert.deepEqual(err.details, { target: 'stuck:a', messageType: 'never', timeoutMs: 300 });
    return true;
  });
  assert.equal(h.router.pendingAsks, 0);
});

test('without timeoutMs an ask uses the router default', async (t) => {
  const h = new HostHarness({ actors: [stuck], askTimeoutMs: 2_000 });
  t.after(() => h.close());
  const ask = track(stuck.ref(h, 'a').ask({ type: 'never' }));
  await h.advance(1_999);
  assert.equal(ask.settled, false);
  await h.advance(1);
  await assert.rejects(ask.promise, { code: ErrorCodes.ASK_TIMEOUT });
});

test('a reply that arrives after the timeout is dropped, and the actor goes on answering', async (t) => {
  const h = new HostHarness({ actors: [stuck] });
  t.after(() => h.close());
  const ref = stuck.ref(h, 'b');
  const late = track(ref.ask({ type: 'gated' }, { timeoutMs: 100 }));
  const next = track(ref.ask({ type: 'count' }, { timeoutMs: 10_000 }));
  await h.advance(100);
  await assert.rejects(late.promise, { code: ErrorCodes.ASK_TIMEOUT });
  assert.equal(next.settled, false); // one message at a time: it waits behind the gated handler
  gate.resolve('too late');
  await h.settle();
  assert.equal(await next.promise, 1);
  assert.equal(h.router.pendingAsks, 0);
  assert.equal(h.deadLetters.count, 0);
  assert.equal(h.failures.length, 0);
});
