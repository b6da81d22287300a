import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineActor, type ActorContext } from '../../actors/index.js';
import type { Address } from '../../runtime/index.js';
import { HostHarness } from './host-harness.js';

// What the local tell path keeps between sends (the Ref's cell and locality, ctx.tell's last
// address, recycled envelopes) must never change what a handler sees or where a message goes.

interface Seen {
  from: string | null;
  seq: number;
  n: number;
}

const sink = defineActor({
  kind: 'sink',
  persistence: { save: 'passivation' },
  initialState: () => ({ seen: [] as Seen[] }),
  handlers: {
    note(ctx: ActorContext<{ seen: Seen[] }>, msg: { n: number }) {
      ctx.state.seen.push({ from: ctx.sender, seq: ctx.seq, n: msg.n });
    },
    seen(ctx: ActorContext<{ seen: Seen[] }>) {
      return ctx.state.seen;
    },
  },
});

const sender = defineActor({
  kind: 'sender',
  persistence: { save: 'passivation' },
  initialState: () => ({ keep: null as unknown }),
  handlers: {
    // One address object, changed in place between tells: each tell goes to the actor it names then.
    spray(ctx, msg: { ids: string[] }) {
      const to: { kind: string; id: string } = { kind: 'sink', id: '' };
      let n = 0;
      for (const id of msg.ids) {
        to.id = id;
        ctx.tell(to as Address, { type: 'note', n: n++ });
      }
    },
    keepRef(ctx, msg: { id: string }) {
      ctx.state.keep = ctx.ref(sink, msg.id);
    },
  },
});

test('ctx.tell with one address object changed in place reaches each actor it named, in order and numbered per pair', async (t) => {
  const h = new HostHarness({ actors: [sink, sender] });
  t.after(() => h.close());
  h.ref('sender', 's').tell({ type: 'spray', ids: ['a', 'a', 'b', 'a', 'b', 'b'] });
  await h.settle();
  const a = (await h.ref('sink', 'a').ask({ type: 'seen' })) as Seen[];
  const b = (await h.ref('sink', 'b').ask({ type: 'seen' })) as Seen[];
  assert.deepEqual(a, [
    { from: 'sender:s', seq: 1, n: 0 },
    { from: 'sender:s', seq: 2, n: 1 },
    { from: 'sender:s', seq: 3, n: 3 },
  ]);
  assert.deepEqual(b, [
    { from: 'sender:s', seq: 1, n: 2 },
    { from: 'sender:s', seq: 2, n: 4 },
    { from: 'sender:s', seq: 3, n: 5 },
  ]);
});

test('a Ref kept in an actor state is saved as its address when the actor is passivated', async (t) => {
  const h = new HostHarness({ actors: [sink, sender] });
  t.after(() => h.close());
  h.ref('sender', 'k').tell({ type: 'keepRef', id: 'x' });
  // The Ref has sent once and caches its receiver's cell (which holds the receiver's state).
  h.ref('sender', 'k').tell({ type: 'spray', ids: ['x'] });
  await h.settle();
  assert.equal(await h.host.passivate('sender:k'), true);
  const stored = await h.store.load('sender', 'k');
  assert.deepEqual((stored?.state as { keep: unknown }).keep, { kind: 'sink', id: 'x' });
});
