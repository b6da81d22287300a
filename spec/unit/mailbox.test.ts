import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineActor } from '../../actors/index.js';
import { ErrorCodes, type DeadLetter } from '../../runtime/index.js';
import { HostHarness } from './host-harness.js';

/** Records the order in which it handles messages; `get` reads the record. */
function recorder(kind: string, mailbox: { capacity: number; overflow: 'reject' | 'drop-oldest' }) {
  return defineActor({
    kind,
    initialState: () => ({ seen: [] as string[] }),
    mailbox,
    handlers: {
      note(ctx, msg: { label: string }) {
        ctx.state.seen.push(msg.label);
      },
      urgent(ctx, msg: { label: string }) {
        ctx.state.seen.push('!' + msg.label);
      },
      get(ctx, _msg: {}) {
        return ctx.state.seen;
      },
    },
  });
}

// A fresh actor's first message starts an asynchronous activation (state load), so everything sent
// in the same synchronous stretch is queued before any of it runs: the mailbox fills deterministically.

test('the system lane overtakes user messages already queued', async (t) => {
  const actor = recorder('lanes', { capacity: 16, overflow: 'reject' });
  const h = new HostHarness({ actors: [actor] });
  t.after(() => h.close());
  const ref = h.ref('lanes', 'a');
  ref.tell({ type: 'note', label: 'u1' });
  ref.tell({ type: 'note', label: 'u2' });
  ref.tellSystem({ type: 'urgent', label: 's1' });
  ref.tell({ type: 'note', label: 'u3' });
  ref.tellSystem({ type: 'urgent', label: 's2' });
  assert.deepEqual(await ref.ask({ type: 'get' }), ['!s1', '!s2', 'u1', 'u2', 'u3']);
});

test('a full mailbox with overflow "reject" refuses the newest: ask → GLASS_ERR_MAILBOX_FULL, tell → dead letter "mailbox-full"', async (t) => {
  const actor = recorder('bounded', { capacity: 4, overflow: 'reject' });
  const h = new HostHarness({ actors: [actor] });
  t.after(() => h.close());
  const observed: DeadLetter[] = [];
  h.deadLetters.subscribe((letter) => observed.push(letter));
  const ref = actor.ref(h, 'a');
  for (let i = 1; i <= 6; i++) ref.tell({ type: 'note', label: `m${i}` });
  await assert.rejects(ref.ask({ type: 'get' }), (err: any) => {
    assert.equal(err.code, ErrorCodes.MAILBOX_FULL);
    assert.equal(err.details.capacity, 4);
    return true;
  });
  assert.deepEqual(await ref.ask({ type: 'get' }), ['m1', 'm2', 'm3', 'm4']);
  assert.equal(h.deadLetters.count, 2);
  assert.deepEqual(
    observed.map((l) => [l.to, l.from, l.messageType, l.reason]),
    [
      ['bounded:a', null, 'note', 'mailbox-full'],
      ['bounded:a', null, 'note', 'mailbox-full'],
    ],
  );
  // The refused ask is answered, never a dead letter.
  assert.equal(h.letters().length, 2);
});

test('a full mailbox with overflow "drop-oldest" evicts the oldest to dead letters and keeps the newest', async (t) => {
  const actor = recorder('latest', { capacity: 4, overflow: 'drop-oldest' });
  const h = new HostHarness({ actors: [actor] });
  t.after(() => h.close());
  const ref = actor.ref(h, 'a');
  for (let i = 1; i <= 7; i++) ref.tell({ type: 'note', label: `m${i}` });
  const got = ref.ask({ type: 'get' }); // evicts m4, and is itself kept as the newest
  assert.deepEqual(await got, ['m5', 'm6', 'm7']);
  const evicted = h.letters('evicted');
  assert.equal(evicted.length, 4);
  assert.ok(evicted.every((l) => l.to === 'latest:a' && l.messageType === 'note'));
  assert.equal(h.letters('mailbox-full').length, 0);
});

test('an ask evicted by "drop-oldest" is answered with GLASS_ERR_MAILBOX_FULL instead of becoming a dead letter', async (t) => {
  const actor = recorder('latest-ask', { capacity: 2, overflow: 'drop-oldest' });
  const h = new HostHarness({ actors: [actor] });
  t.after(() => h.close());
  const ref = actor.ref(h, 'a');
  const first = ref.ask({ type: 'get' });
  ref.tell({ type: 'note', label: 'm1' });
  ref.tell({ type: 'note', label: 'm2' });
  await assert.rejects(first, { code: ErrorCodes.MAILBOX_FULL });
  assert.deepEqual(await ref.ask({ type: 'get' }), ['m1', 'm2']);
  assert.equal(h.deadLetters.count, 0);
});

test('capacity is a bound on queued messages, not on messages handled', async (t) => {
  const actor = recorder('steady', { capacity: 2, overflow: 'reject' });
  const h = new HostHarness({ actors: [actor] });
  t.after(() => h.close());
  const ref = actor.ref(h, 'a');
  for (let i = 1; i <= 50; i++) {
    ref.tell({ type: 'note', label: `m${i}` });
    await h.settle();
  }
  assert.equal((await ref.ask({ type: 'get' })).length, 50);
  assert.equal(h.deadLetters.count, 0);
});
