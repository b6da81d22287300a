import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineActor } from '../../actors/index.js';
import { MemoryStateStore } from '../../runtime/index.js';
import { HostHarness } from './host-harness.js';

function counterKind(hooks: string[], idleAfterMs?: number) {
  return defineActor({
    kind: 'tally',
    initialState: (id: string) => ({ id, count: 0 }),
    idleAfterMs,
    onActivate: (ctx) => void hooks.push(`activate:${ctx.self.id}:${ctx.state.count}`),
    onPassivate: (ctx) => void hooks.push(`passivate:${ctx.self.id}:${ctx.state.count}`),
    handlers: {
      add(ctx, msg: { by: number }) {
        ctx.state.count += msg.by;
        return ctx.state.count;
      },
      get(ctx, _msg: {}) {
        return ctx.state;
      },
      rest(ctx, _msg: {}) {
        ctx.passivate();
      },
    },
  });
}

test('an actor idle for idleAfterMs is passivated by the sweep, its state saved; the next message reactivates it with that state', async (t) => {
  const hooks: string[] = [];
  const tally = counterKind(hooks);
  const store = new MemoryStateStore();
  const h = new HostHarness({ actors: [tally], store, idleAfterMs: 100, sweepIntervalMs: 10 });
  t.after(() => h.close());
  const ref = tally.ref(h, 'a');
  assert.equal(await ref.ask({ type: 'add', by: 2 }), 2);
  assert.equal(await ref.ask({ type: 'add', by: 3 }), 5);
  assert.equal(await store.load('tally', 'a'), undefined);

  await h.advance(90, 10);
  assert.equal(h.isActive('tally', 'a'), true);
  assert.deepEqual(hooks, ['activate:a:0']);
  await h.advance(10, 10);
  assert.equal(h.isActive('tally', 'a'), false);
  assert.deepEqual(hooks, ['activate:a:0', 'passivate:a:5']);
  assert.deepEqual(await store.load('tally', 'a'), { state: { id: 'a', count: 5 }, version: '1', epoch: 1 });

  assert.equal(await ref.ask({ type: 'add', by: 1 }), 6);
  assert.deepEqual(hooks, ['activate:a:0', 'passivate:a:5', 'activate:a:5']);
  // The next passivation writes over the version it loaded, not a conflict.
  await h.advance(100, 10);
  assert.deepEqual(await store.load('tally', 'a'), { state: { id: 'a', count: 6 }, version: '2', epoch: 2 });
  assert.equal(h.failures.length, 0);
});

test('activity postpones passivation: idleness is measured from the last message', async (t) => {
  const tally = counterKind([]);
  const h = new HostHarness({ actors: [tally], idleAfterMs: 100, sweepIntervalMs: 10 });
  t.after(() => h.close());
  const ref = tally.ref(h, 'a');
  for (let i = 0; i < 5; i++) {
    await ref.ask({ type: 'add', by: 1 });
    await h.advance(60, 10);
  }
  assert.equal(h.isActive('tally', 'a'), true);
  await h.advance(40, 10);
  assert.equal(h.isActive('tally', 'a'), false);
});

test('a kind\'s own idleAfterMs overrides the host default', async (t) => {
  const tally = counterKind([], 30);
  const h = new HostHarness({ actors: [tally], idleAfterMs: 1_000, sweepIntervalMs: 10 });
  t.after(() => h.close());
  await tally.ref(h, 'a').ask({ type: 'add', by: 1 });
  await h.advance(20, 10);
  assert.equal(h.isActive('tally', 'a'), true);
  await h.advance(10, 10);
  assert.equal(h.isActive('tally', 'a'), false);
});

test('ctx.passivate() passivates the actor after the current message, state saved', async (t) => {
  const hooks: string[] = [];
  const tally = counterKind(hooks);
  const store = new MemoryStateStore();
  const h = new HostHarness({ actors: [tally], store });
  t.after(() => h.close());
  const ref = tally.ref(h, 'b');
  await ref.ask({ type: 'add', by: 7 });
  await ref.ask({ type: 'rest' });
  await h.settle();
  assert.equal(h.isActive('tally', 'b'), false);
  assert.deepEqual((await store.load('tally', 'b'))?.state, { id: 'b', count: 7 });
  assert.deepEqual(await ref.ask({ type: 'get' }), { id: 'b', count: 7 });
  assert.deepEqual(hooks, ['activate:b:0', 'passivate:b:7', 'activate:b:7']);
});

test('host.drain passivates every actor and the state of each comes back', async (t) => {
  const tally = counterKind([]);
  const h = new HostHarness({ actors: [tally] });
  t.after(() => h.close());
  for (const id of ['x', 'y', 'z']) await tally.ref(h, id).ask({ type: 'add', by: id.charCodeAt(0) });
  assert.equal(await h.host.drain(), 3);
  assert.equal(h.host.activeCount, 0);
  for (const id of ['x', 'y', 'z']) assert.deepEqual(await tally.ref(h, id).ask({ type: 'get' }), { id, count: id.charCodeAt(0) });
});

test(
  'a message arriving during passivation reactivates the actor: hooks stay paired and onActivate re-arms its timers',
  async (t) => {
    const hooks: string[] = [];
    let openGate: () => void = () => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const ticker = defineActor({
      kind: 'ticker',
      initialState: () => ({ ticks: 0, armed: false }),
      onActivate: (ctx) => {
        hooks.push('activate');
        if (ctx.state.armed) ctx.timers.every('beat', 10, { type: 'tick' });
      },
      onPassivate: async () => {
        hooks.push('passivate');
        await gate;
      },
      handlers: {
        arm(ctx, _msg: {}) {
          ctx.state.armed = true;
          ctx.timers.every('beat', 10, { type: 'tick' });
        },
        tick(ctx, _msg: {}) {
          ctx.state.ticks++;
        },
        get(ctx, _msg: {}) {
          return ctx.state.ticks;
        },
      },
    });
    const h = new HostHarness({ actors: [ticker] });
    t.after(() => h.close());
    const ref = ticker.ref(h, 'a');
    await ref.ask({ type: 'arm' });
    await h.advance(30, 10);
    const passivated = h.host.passivate('ticker:a');
    const during = ref.ask({ type: 'get' });
    openGate();
    assert.equal(await passivated, false);
    assert.equal(await during, 3);
    await h.advance(30, 10);
    assert.equal(h.isActive('ticker', 'a'), true);
    assert.equal(await ref.ask({ type: 'get' }), 6, 'the timer kept ticking');
    assert.equal(hooks.filter((x) => x === 'activate').length, hooks.filter((x) => x === 'passivate').length + 1);
  },
);
