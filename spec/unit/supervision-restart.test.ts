import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineActor } from '../../actors/index.js';
import { ErrorCodes } from '../../runtime/index.js';
import { track } from './host-harness.js';
import { fixedBackoff, harness, rejectsWith, snapshot } from './supervision-harness.js';

// ---------------------------------------------------------------------------------------------
// Restart

test('restart: after exactly the backoff the actor rehydrates its last saved state, runs onActivate again, and retries the failing message before the queued ones', async (t) => {
  const log: string[] = [];
  let failuresLeft = 1;
  const ledger = defineActor({
    kind: 'ledger',
    initialState: () => ({ entries: [] as string[] }),
    persistence: { save: 'every-message' },
    onActivate: (ctx) => void log.push(`activate[${ctx.state.entries.join(',')}]`),
    handlers: {
      add(ctx, msg: { entry: string }) {
        log.push(`add:${msg.entry}`);
        ctx.state.entries.push(msg.entry);
        return ctx.state.entries.length;
      },
      /** Changes the state, then fails (the first time): the change must not survive the restart. */
      flaky(ctx, msg: { entry: string }) {
        log.push(`flaky:${msg.entry}`);
        ctx.state.entries.push(msg.entry);
        if (failuresLeft-- > 0) {
          ctx.state.entries.push('garbage');
          throw new Error('flaky failed');
        }
        return ctx.state.entries.length;
      },
      get(ctx, _msg: {}) {
        return ctx.state.entries;
      },
    },
  });
  const h = harness(t, { actors: [ledger] });
  const ref = ledger.ref(h, 'l');
  assert.equal(await ref.ask({ type: 'add', entry: 'a' }), 1);
  assert.equal(await ref.ask({ type: 'add', entry: 'b' }), 2);
  assert.equal(snapshot(h, 'ledger', 'l').epoch, 1);

  const failing = track(ref.ask({ type: 'flaky', entry: 'x' }));
  const queued = track(ref.ask({ type: 'add', entry: 'c' }));
  await h.settle();
  const queuedDuringBackoff = track(ref.ask({ type: 'add', entry: 'd' }));
  await h.settle();
  assert.deepEqual(log, ['activate[]', 'add:a', 'add:b', 'flaky:x']);
  assert.deepEqual(
    h.failures.map((f) => [f.key, f.messageType, f.directive]),
    [['ledger:l', 'flaky', 'restart']],
  );

  // Default backoff is minMs = 50 (the harness has no jitter): not one ms early.
  await h.advance(49);
  let s = snapshot(h, 'ledger', 'l');
  assert.equal(s.status, 'backing-off');
  assert.equal(s.mailbox, 3, 'the failed message and the two queued behind it');
  assert.equal(s.restarts, 1);
  assert.equal(s.failures, 1);
  assert.equal(log.length, 4, 'not restarted yet');
  assert.equal(failing.settled || queued.settled || queuedDuringBackoff.settled, false);

  await h.advance(1);
  assert.deepEqual(log, ['activate[]', 'add:a', 'add:b', 'flaky:x', 'activate[a,b]', 'flaky:x', 'add:c', 'add:d']);
  assert.equal(await failing.promise, 3);
  assert.equal(await queued.promise, 4);
  assert.equal(await queuedDuringBackoff.promise, 5);
  assert.deepEqual(await ref.ask({ type: 'get' }), ['a', 'b', 'x', 'c', 'd']);
  assert.deepEqual((await h.store.load('ledger', 'l'))?.state, { entries: ['a', 'b', 'x', 'c', 'd'] });
  s = snapshot(h, 'ledger', 'l');
  assert.equal(s.status, 'active');
  assert.equal(s.epoch, 2, 'a restart is a new activation');
  assert.equal(s.mailbox, 0);
});

// ---------------------------------------------------------------------------------------------
// Poison

test('poison: a message failing poisonAfter times is quarantined (asker gets GLASS_ERR_QUARANTINED), other messages keep flowing, and it can be re-driven', async (t) => {
  let fixed = false;
  const eater = defineActor({
    kind: 'eater',
    initialState: () => ({ eaten: [] as string[] }),
    handlers: {
      eat(ctx, msg: { food: string }) {
        if (msg.food === 'poison' && !fixed) throw new Error(`cannot digest ${msg.food}`);
        ctx.state.eaten.push(msg.food);
        return ctx.state.eaten.slice();
      },
    },
  });
  const h = harness(t, { actors: [eater] });
  const sick = eater.ref(h, 'sick');
  const healthy = eater.ref(h, 'healthy');

  const poisoned = track(sick.ask({ type: 'eat', food: 'poison' }));
  const behind = track(sick.ask({ type: 'eat', food: 'bread' }));
  await h.settle();
  // Default spec: poisonAfter 3, backoff 50 then 100 (no jitter).
  assert.deepEqual(await healthy.ask({ type: 'eat', food: 'apple' }), ['apple'], 'another actor is not held up');
  await h.advance(50);
  assert.equal(snapshot(h, 'eater', 'sick').failures, 2);
  assert.deepEqual(await healthy.ask({ type: 'eat', food: 'pear' }), ['apple', 'pear']);
  assert.equal(poisoned.settled, false);
  assert.equal(h.quarantine.size, 0);

  const quarantinedAt = h.clock.now() + 100;
  await h.advance(100);
  await assert.rejects(
    poisoned.promise,
    rejectsWith(ErrorCodes.QUARANTINED, (err) => {
      assert.equal(err.details?.attempts, 3);
      assert.equal(err.details?.actor, 'eater:sick');
      assert.match(err.message, /cannot digest poison/);
    }),
  );
  const entries = h.quarantine.list({ to: 'eater:sick' });
  assert.equal(entries.length, 1);
  const [entry] = entries;
  assert.deepEqual(
    { ...entry, id: undefined },
    {
      id: undefined,
      to: 'eater:sick',
      from: null,
      seq: 0,
      messageType: 'eat',
      message: { type: 'eat', food: 'poison' },
      error: 'cannot digest poison',
      attempts: 3,
      at: quarantinedAt,
    },
  );
  // The third failure restarted the actor too (after 200 ms); the queued message is then handled.
  await h.advance(200);
  assert.deepEqual(await behind.promise, ['bread']);
  assert.deepEqual(await sick.ask({ type: 'eat', food: 'soup' }), ['bread', 'soup']);
  assert.deepEqual(await healthy.ask({ type: 'eat', food: 'plum' }), ['apple', 'pear', 'plum']);

  // Re-drive once the bug is fixed: take the entry and send its message again.
  fixed = true;
  const taken = h.quarantine.take(entry.id);
  assert.ok(taken !== undefined);
  assert.equal(h.quarantine.size, 0);
  assert.deepEqual(await h.ref('eater', 'sick').ask(taken.message), ['bread', 'soup', 'poison']);
  assert.equal(h.deadLetters.count, 0);
});

// ---------------------------------------------------------------------------------------------
// Restart limit and escalation

test('restart limit: a root actor failing more than maxRestarts times within withinMs is quarantined; messages are refused until host.restart brings it back with its stored state', async (t) => {
  let activations = 0;
  const brittle = defineActor({
    kind: 'brittle',
    initialState: () => ({ value: 0 }),
    persistence: { save: 'every-message' },
    supervision: { maxRestarts: 2, withinMs: 10_000, poisonAfter: 100, backoff: fixedBackoff(10) },
    onActivate: () => void activations++,
    handlers: {
      set(ctx, msg: { value: number }) {
        ctx.state.value = msg.value;
      },
      boom(ctx, _msg: {}) {
        ctx.state.value = -1;
        throw new Error('kaboom');
      },
      get(ctx, _msg: {}) {
        return ctx.state.value;
      },
    },
  });
  const h = harness(t, { actors: [brittle] });
  const ref = brittle.ref(h, 'r');
  await ref.ask({ type: 'set', value: 7 });

  const boom = track(ref.ask({ type: 'boom' }));
  const queued = track(ref.ask({ type: 'get' }));
  ref.tell({ type: 'get' });
  await h.settle();
  await h.advance(10); // restart 1, retry fails again
  await h.advance(10); // restart 2, retry fails a third time: one restart too many
  assert.equal(activations, 3);
  await assert.rejects(boom.promise, rejectsWith(ErrorCodes.ACTOR_FAILED, (err) => assert.equal(err.message, 'kaboom')));
  await assert.rejects(
    queued.promise,
    rejectsWith(ErrorCodes.ACTOR_STOPPED, (err) => assert.deepEqual(err.details, { actor: 'brittle:r', status: 'quarantined' })),
  );
  assert.deepEqual(h.letters().map((l) => [l.to, l.messageType, l.reason]), [['brittle:r', 'get', 'quarantined']]);
  assert.deepEqual(
    h.failures.map((f) => f.directive),
    ['restart', 'restart', 'escalate'],
  );
  const s = snapshot(h, 'brittle', 'r');
  assert.equal(s.status, 'quarantined');
  assert.equal(s.restarts, 2);
  assert.equal(s.failures, 3);
  assert.match(s.lastFailure?.message ?? '', /kaboom/);

  // Later messages are refused, however much time passes.
  await h.advance(1_000);
  await assert.rejects(ref.ask({ type: 'get' }), rejectsWith(ErrorCodes.ACTOR_STOPPED));
  assert.equal(activations, 3);

  // Ops restart: back from the stored state, with a fresh restart window.
  assert.equal(h.host.restart('brittle:r'), true);
  await h.settle();
  assert.equal(activations, 4);
  assert.equal(await ref.ask({ type: 'get' }), 7);
  const back = snapshot(h, 'brittle', 'r');
  assert.equal(back.status, 'active');
  assert.equal(back.restarts, 0);
  assert.equal(h.host.restart('brittle:nobody'), false);
});

test('escalation: a child over its restart limit escalates to its parent, whose own directive applies: the parent restarts, and parent and child rehydrate from the store', async (t) => {
  const log: string[] = [];
  const member = defineActor({
    kind: 'member',
    initialState: () => ({ points: 0 }),
    persistence: { save: 'every-message' },
    // One restart allowed: the second failure within the window goes to the parent.
    supervision: { maxRestarts: 1, poisonAfter: 10, backoff: fixedBackoff(10) },
    onActivate: (ctx) => void log.push(`member ${ctx.self.id} ${ctx.state.points}`),
    handlers: {
      score(ctx, msg: { by: number }) {
        return (ctx.state.points += msg.by);
      },
      crash(ctx, _msg: {}) {
        ctx.state.points = 999;
        throw new Error('member crashed');
      },
      get(ctx, _msg: {}) {
        return ctx.state.points;
      },
    },
  });
  const guild = defineActor({
    kind: 'guild',
    initialState: () => ({ motto: '', members: [] as string[] }),
    persistence: { save: 'every-message' },
    supervision: { backoff: fixedBackoff(30) },
    onActivate: (ctx) => void log.push(`guild ${ctx.self.id} ${ctx.state.motto}`),
    handlers: {
      recruit(ctx, msg: { name: string }) {
        ctx.state.members.push(msg.name);
        return ctx.spawn(member, msg.name).key;
      },
      motto(ctx, msg: { motto: string }) {
        ctx.state.motto = msg.motto;
      },
      get(ctx, _msg: {}) {
        return ctx.state;
      },
    },
  });
  const h = harness(t, { actors: [guild, member] });
  const g = guild.ref(h, 'g');
  assert.equal(await g.ask({ type: 'recruit', name: 'm1' }), 'member:g/m1');
  await g.ask({ type: 'motto', motto: 'onward' });
  const m1 = member.ref(h, 'g/m1');
  assert.equal(await m1.ask({ type: 'score', by: 5 }), 5);
  assert.deepEqual(snapshot(h, 'member', 'g/m1').parent, 'guild:g');
  assert.equal(snapshot(h, 'guild', 'g').children, 1);
  log.length = 0;

  const crash = track(m1.ask({ type: 'crash' }));
  await h.settle();
  assert.deepEqual(h.failures.map((f) => [f.key, f.directive]), [['member:g/m1', 'restart']]);
  assert.equal(snapshot(h, 'member', 'g/m1').status, 'backing-off');
  // The child restarts on its own once (from its saved 5), the retry fails again: over its limit.
  await h.advance(10);
  await assert.rejects(crash.promise, rejectsWith(ErrorCodes.ACTOR_FAILED, (err) => assert.equal(err.message, 'member crashed')));
  assert.deepEqual(
    h.failures.map((f) => [f.key, f.messageType, f.directive]),
    [
      ['member:g/m1', 'crash', 'restart'],
      ['member:g/m1', 'crash', 'escalate'],
      ['guild:g', 'escalation from member:g/m1', 'restart'],
    ],
  );
  assert.deepEqual(log, ['member g/m1 5', 'member g/m1 5'], 'the parent\'s restart took its child with it at once');
  assert.equal(snapshot(h, 'guild', 'g').status, 'backing-off');
  await h.advance(29);
  assert.equal(snapshot(h, 'guild', 'g').status, 'backing-off');
  await h.advance(1);
  assert.equal(snapshot(h, 'guild', 'g').status, 'active');
  assert.deepEqual(log, ['member g/m1 5', 'member g/m1 5', 'guild g onward']);
  assert.equal(await m1.ask({ type: 'get' }), 5, 'the child rehydrated its saved state, not the crashed one');
  assert.deepEqual(await g.ask({ type: 'get' }), { motto: 'onward', members: ['m1'] });
  assert.equal(snapshot(h, 'guild', 'g').restarts, 1);
  assert.equal(snapshot(h, 'member', 'g/m1').restarts, 1, 'its own restart; the parent\'s is not counted against it');
  assert.equal(snapshot(h, 'member', 'g/m1').parent, 'guild:g', 'still supervised by the same parent');
});
