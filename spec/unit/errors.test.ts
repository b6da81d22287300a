import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineActor } from '../../actors/index.js';
import { ErrorCodes, GlassError } from '../../runtime/index.js';
import { HostHarness } from './host-harness.js';

const fragile = defineActor({
  kind: 'fragile',
  initialState: () => ({ count: 0 }),
  // These tests are about failures as data under `resume`; restart is covered by supervision.test.
  supervision: { directive: 'resume' },
  handlers: {
    add(ctx, _msg: {}) {
      return ++ctx.state.count;
    },
    /** Changes state, then fails: the change is kept (there is no rollback). */
    crash(ctx, msg: { why: string }) {
      ctx.state.count += 100;
      throw new Error(msg.why);
    },
    async crashLater(_ctx, msg: { why: string }) {
      await null;
      throw new Error(msg.why);
    },
    refuse(_ctx, msg: { code: string }) {
      throw new GlassError(msg.code, 'refused on purpose', { hint: 'test' });
    },
    throwString(_ctx, _msg: {}) {
      throw 'plain string';
    },
  },
});

function setup(t: { after(fn: () => unknown): void }) {
  const h = new HostHarness({ actors: [fragile] });
  t.after(() => h.close());
  return { h, ref: fragile.ref(h, 'a') };
}

test('a handler throwing an Error answers the asker GLASS_ERR_ACTOR_FAILED; the actor keeps its state and handles the next message', async (t) => {
  const { h, ref } = setup(t);
  assert.equal(await ref.ask({ type: 'add' }), 1);
  await assert.rejects(ref.ask({ type: 'crash', why: 'boom' }), (err: unknown) => {
    assert.ok(err instanceof GlassError);
    assert.equal(err.code, ErrorCodes.ACTOR_FAILED);
    assert.equal(err.message, 'boom');
    assert.deepEqual(err.details, { actor: 'fragile:a', messageType: 'crash' });
    return true;
  });
  assert.equal(await ref.ask({ type: 'add' }), 102);
  const [snapshot] = h.host.inspect({ kind: 'fragile' });
  assert.equal(snapshot.failures, 1);
  assert.deepEqual(snapshot.lastFailure, { messageType: 'crash', message: 'boom', at: h.clock.now() });
  assert.deepEqual(
    h.failures.map((f) => [f.key, f.messageType, (f.error as Error).message]),
    [['fragile:a', 'crash', 'boom']],
  );
});

test('an async handler rejecting, a thrown non-Error, and a told failure are all failures the actor survives', async (t) => {
  const { h, ref } = setup(t);
  await assert.rejects(ref.ask({ type: 'crashLater', why: 'later' }), { code: ErrorCodes.ACTOR_FAILED, message: 'later' });
  await assert.rejects(ref.ask({ type: 'throwString' }), { code: ErrorCodes.ACTOR_FAILED, message: 'plain string' });
  ref.tell({ type: 'crash', why: 'nobody asked' });
  assert.equal(await ref.ask({ type: 'add' }), 101);
  assert.equal(h.host.inspect()[0].failures, 3);
  assert.equal(h.host.inspect()[0].lastFailure?.message, 'nobody asked');
  assert.equal(h.deadLetters.count, 0);
});

test('a handler throwing GlassError(code) answers the asker with that code, and is not counted as a failure', async (t) => {
  const { h, ref } = setup(t);
  await assert.rejects(ref.ask({ type: 'refuse', code: 'GLASS_ERR_NOT_MEMBER' }), (err: unknown) => {
    assert.ok(err instanceof GlassError);
    assert.equal(err.code, 'GLASS_ERR_NOT_MEMBER');
    assert.equal(err.message, 'refused on purpose');
    assert.deepEqual(err.details, { hint: 'test' });
    return true;
  });
  assert.equal(await ref.ask({ type: 'add' }), 1);
  assert.equal(h.host.inspect()[0].failures, 0);
  assert.equal(h.failures.length, 0);
});

test('a message type the kind has no handler for → GLASS_ERR_UNKNOWN_MESSAGE (ask) or a dead letter "unhandled" (tell)', async (t) => {
  const { h } = setup(t);
  const raw = h.ref('fragile', 'a');
  await assert.rejects(raw.ask({ type: 'dance' }), (err: any) => {
    assert.equal(err.code, ErrorCodes.UNKNOWN_MESSAGE);
    assert.match(err.message, /"dance"/);
    return true;
  });
  // Handlers are a prototype-less table: inherited names are unknown messages too.
  await assert.rejects(raw.ask({ type: 'toString' }), { code: ErrorCodes.UNKNOWN_MESSAGE });
  raw.tell({ type: 'dance' });
  assert.equal(await raw.ask({ type: 'add' }), 1);
  assert.deepEqual(h.letters().map((l) => [l.to, l.messageType, l.reason]), [['fragile:a', 'dance', 'unhandled']]);
});

test('a kind nobody registered → GLASS_ERR_UNKNOWN_KIND (ask) or a dead letter "unknown-kind" (tell)', async (t) => {
  const { h } = setup(t);
  await assert.rejects(h.ref('ghost', 'a').ask({ type: 'boo' }), (err: any) => {
    assert.equal(err.code, ErrorCodes.UNKNOWN_KIND);
    assert.deepEqual(err.details, { kind: 'ghost' });
    return true;
  });
  h.ref('ghost', 'b').tell({ type: 'boo' });
  assert.deepEqual(h.letters().map((l) => [l.to, l.messageType, l.reason]), [['ghost:b', 'boo', 'unknown-kind']]);
  assert.equal(h.host.activeCount, 0);
});

test('a message that is not an object with a string type is refused at send with GLASS_ERR_INVALID_MESSAGE', (t) => {
  const { h } = setup(t);
  const raw = h.ref('fragile', 'a');
  for (const bad of [undefined, null, 'add', 42, {}, { type: 7 }, { type: null }, [{ type: 'add' }]]) {
    assert.throws(() => raw.tell(bad), { code: ErrorCodes.INVALID_MESSAGE }, `tell ${JSON.stringify(bad)}`);
    assert.throws(() => raw.ask(bad), { code: ErrorCodes.INVALID_MESSAGE }, `ask ${JSON.stringify(bad)}`);
  }
  assert.equal(h.router.pendingAsks, 0);
  assert.equal(h.host.activeCount, 0);
});

test('an address that is not valid is refused when the ref is made, with GLASS_ERR_INVALID_ADDRESS', (t) => {
  const { h } = setup(t);
  for (const [kind, id] of [['Fragile', 'a'], ['', 'a'], ['fragile', ''], ['fragile', 'x'.repeat(257)]]) {
    assert.throws(() => h.ref(kind, id), { code: ErrorCodes.INVALID_ADDRESS }, `${kind}:${id}`);
  }
});
