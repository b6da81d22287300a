import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineActor } from '../../actors/index.js';
import { ErrorCodes } from '../../runtime/index.js';
import { HostHarness } from './host-harness.js';

const alarm = defineActor({
  kind: 'alarm',
  initialState: () => ({ ticks: [] as { label: string; at: number; sender: string | null }[] }),
  handlers: {
    once(ctx, msg: { name: string; delayMs: number }) {
      ctx.timers.once(msg.name, msg.delayMs, { type: 'tick', label: msg.name });
    },
    every(ctx, msg: { name: string; intervalMs: number }) {
      ctx.timers.every(msg.name, msg.intervalMs, { type: 'tick', label: msg.name });
    },
    armBad(ctx, msg: { bad: unknown }) {
      ctx.timers.once('bad', 10, msg.bad);
    },
    cancel(ctx, msg: { name: string }) {
      return ctx.timers.cancel(msg.name);
    },
    tick(ctx, msg: { label: string }) {
      ctx.state.ticks.push({ label: msg.label, at: ctx.now(), sender: ctx.sender });
    },
    ticks(ctx, _msg: {}) {
      return ctx.state.ticks;
    },
  },
});

function setup(t: { after(fn: () => unknown): void }, options: { idleAfterMs?: number; sweepIntervalMs?: number } = {}) {
  const h = new HostHarness({ actors: [alarm], ...options });
  t.after(() => h.close());
  return { h, ref: alarm.ref(h, 'a'), t0: h.clock.now() };
}

test('timers.once delivers its message to the actor itself once, at the due time and not before', async (t) => {
  const { h, ref, t0 } = setup(t);
  await ref.ask({ type: 'once', name: 'ding', delayMs: 100 });
  await h.advance(99);
  assert.deepEqual(await ref.ask({ type: 'ticks' }), []);
  await h.advance(1);
  assert.deepEqual(await ref.ask({ type: 'ticks' }), [{ label: 'ding', at: t0 + 100, sender: '@timer' }]);
  await h.advance(1_000);
  assert.equal((await ref.ask({ type: 'ticks' })).length, 1);
});

test('timers.every delivers at each interval until cancelled', async (t) => {
  const { h, ref, t0 } = setup(t);
  await ref.ask({ type: 'every', name: 'beat', intervalMs: 50 });
  await h.advance(175, 25);
  assert.deepEqual(
    (await ref.ask({ type: 'ticks' })).map((x) => x.at - t0),
    [50, 100, 150],
  );
  assert.equal(await ref.ask({ type: 'cancel', name: 'beat' }), true);
  await h.advance(500, 25);
  assert.equal((await ref.ask({ type: 'ticks' })).length, 3);
  assert.equal(await ref.ask({ type: 'cancel', name: 'beat' }), false);
});

test('a cancelled once-timer never fires, and starting a timer under a used name replaces it', async (t) => {
  const { h, ref, t0 } = setup(t);
  await ref.ask({ type: 'once', name: 'a', delayMs: 100 });
  assert.equal(await ref.ask({ type: 'cancel', name: 'a' }), true);
  await ref.ask({ type: 'once', name: 'b', delayMs: 100 });
  await h.advance(50);
  await ref.ask({ type: 'once', name: 'b', delayMs: 100 }); // replaces: due at +150, not +100
  await h.advance(200, 10);
  assert.deepEqual(await ref.ask({ type: 'ticks' }), [{ label: 'b', at: t0 + 150, sender: '@timer' }]);
});

test('passivation cancels the actor\'s timers: nothing is delivered afterwards and the actor stays passivated', async (t) => {
  const { h, ref } = setup(t);
  await ref.ask({ type: 'every', name: 'beat', intervalMs: 10 });
  await ref.ask({ type: 'once', name: 'later', delayMs: 500 });
  await h.advance(25, 5);
  assert.equal(await h.host.passivate('alarm:a'), true);
  assert.equal(h.isActive('alarm', 'a'), false);
  await h.advance(1_000, 10);
  // A delivered tick would have reactivated the actor.
  assert.equal(h.isActive('alarm', 'a'), false);
  assert.equal(h.host.activeCount, 0);
  const ticks = await ref.ask({ type: 'ticks' });
  assert.deepEqual(ticks.map((x) => x.label), ['beat', 'beat']);
});

test('timer messages do not count as activity: a ticking actor is still passivated when idle', async (t) => {
  const { h, ref } = setup(t, { idleAfterMs: 100, sweepIntervalMs: 20 });
  await ref.ask({ type: 'every', name: 'beat', intervalMs: 10 });
  await h.advance(60, 5);
  assert.equal(h.isActive('alarm', 'a'), true);
  await h.advance(100, 5);
  assert.equal(h.isActive('alarm', 'a'), false);
  const before = (await ref.ask({ type: 'ticks' })).length;
  assert.ok(before >= 9 && before <= 12, `${before} ticks before passivation`);
});

test('a timer message without a string type is refused when the timer is set, and the actor keeps working', async (t) => {
  const { h, ref } = setup(t);
  for (const bad of [null, undefined, 'tick', { label: 'x' }]) {
    await assert.rejects(ref.ask({ type: 'armBad', bad }), { code: ErrorCodes.INVALID_MESSAGE });
  }
  await h.advance(100, 10);
  await ref.ask({ type: 'once', name: 'ok', delayMs: 10 });
  await h.advance(10);
  assert.deepEqual((await ref.ask({ type: 'ticks' })).map((x) => x.label), ['ok']);
  assert.equal(h.deadLetters.count, 0);
});
