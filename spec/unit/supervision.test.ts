import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineActor } from '../../actors/index.js';
import {
  ErrorCodes,
  GlassError,
  MemoryStateStore,
  type ActorSnapshot,
  type Clock,
  type StateStore,
  type StoredState,
  type SupervisionSpec,
} from '../../runtime/index.js';
import { HostHarness, deferred, track } from './host-harness.js';

type TestContext = { after(fn: () => unknown): void };

/**
 * A store in front of another that records every save and can hold saves until released, like a
 * slow network store. The state is serialized when save is called (as a real store does), so
 * changes made while a save is held are not part of it.
 */
class GatedStore implements StateStore {
  /** Every save called, with the state it was given and the clock's time. */
  readonly calls: { key: string; state: unknown; at: number }[] = [];
  /** Saves that the inner store accepted. */
  readonly written: { key: string; state: unknown; version: string }[] = [];
  hold = false;
  readonly #held: (() => void)[] = [];
  clock: Clock | null = null;

  constructor(readonly inner: StateStore) {}

  get heldCount(): number {
    return this.#held.length;
  }

  load(kind: string, id: string): Promise<StoredState | undefined> {
    return this.inner.load(kind, id);
  }

  async save(kind: string, id: string, state: unknown, expectedVersion: string | null, epoch: number): Promise<string> {
    const snapshot = structuredClone(state);
    this.calls.push({ key: `${kind}:${id}`, state: snapshot, at: this.clock?.now() ?? -1 });
    if (this.hold) {
      const gate = deferred();
      this.#held.push(gate.resolve);
      await gate.promise;
    }
    const version = await this.inner.save(kind, id, snapshot, expectedVersion, epoch);
    this.written.push({ key: `${kind}:${id}`, state: snapshot, version });
    return version;
  }

  /** Lets the oldest held save through. */
  release(): void {
    const next = this.#held.shift();
    assert.ok(next !== undefined, 'no save is held');
    next();
  }

  /** Stops holding and lets every held save through. */
  open(): void {
    this.hold = false;
    while (this.#held.length > 0) this.release();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function harness(t: TestContext, options: ConstructorParameters<typeof HostHarness>[0]): HostHarness {
  const h = new HostHarness(options);
  if (options.store instanceof GatedStore) options.store.clock = h.clock;
  t.after(async () => {
    if (options.store instanceof GatedStore) options.store.open();
    await h.close();
  });
  return h;
}

function snapshot(h: HostHarness, kind: string, id: string): ActorSnapshot {
  const found = h.host.inspect({ kind }).find((a) => a.id === id);
  assert.ok(found !== undefined, `${kind}:${id} is not in the host`);
  return found;
}

function rejectsWith(code: string, check?: (err: GlassError) => void): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof GlassError, String(err));
    assert.equal(err.code, code, err.message);
    check?.(err);
    return true;
  };
}

/** Backoff without jitter growth surprises: each restart waits exactly `ms`. */
function fixedBackoff(ms: number): SupervisionSpec['backoff'] {
  return { minMs: ms, maxMs: ms, randomFactor: 0, resetAfterMs: 60_000 };
}

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

// ---------------------------------------------------------------------------------------------
// Strategies

function squadKinds(activations: Map<string, number>) {
  let failNext = false;
  const unit = defineActor({
    kind: 'unit',
    initialState: () => ({ drills: 0 }),
    onActivate: (ctx) => void activations.set(ctx.self.id, (activations.get(ctx.self.id) ?? 0) + 1),
    handlers: {
      drill(ctx, _msg: {}) {
        return ++ctx.state.drills;
      },
      /** Fails the first time only: the retry after the restart succeeds. */
      stumble(_ctx, _msg: {}) {
        if (failNext) {
          failNext = false;
          throw new Error('stumbled');
        }
        return 'ok';
      },
      get(ctx, _msg: {}) {
        return ctx.state.drills;
      },
    },
  });
  const squad = defineActor({
    kind: 'squad',
    initialState: () => ({}),
    onActivate: (ctx) => void activations.set(`squad ${ctx.self.id}`, (activations.get(`squad ${ctx.self.id}`) ?? 0) + 1),
    handlers: {
      form(ctx, msg: { names: string[] }) {
        return msg.names.map((name) => ctx.spawn(unit, name).key);
      },
    },
  });
  return { unit, squad, armFailure: () => (failNext = true) };
}

for (const [strategy, expected] of [
  ['one-for-one', { 's/c1': 1, 's/c2': 2, 's/c3': 1 }],
  ['one-for-all', { 's/c1': 2, 's/c2': 2, 's/c3': 2 }],
  ['rest-for-one', { 's/c1': 1, 's/c2': 2, 's/c3': 2 }],
] as const) {
  test(`strategy ${strategy}: a failed child restarts ${strategy === 'one-for-one' ? 'alone' : strategy === 'one-for-all' ? 'with all its siblings' : 'with the siblings spawned after it'}`, async (t) => {
    const activations = new Map<string, number>();
    const { unit, squad, armFailure } = squadKinds(activations);
    const h = harness(t, { actors: [squad, unit], supervision: { squad: { strategy }, unit: { backoff: fixedBackoff(40) } } });
    assert.deepEqual(await squad.ref(h, 's').ask({ type: 'form', names: ['c1', 'c2', 'c3'] }), ['unit:s/c1', 'unit:s/c2', 'unit:s/c3']);
    const refs = ['c1', 'c2', 'c3'].map((name) => unit.ref(h, `s/${name}`));
    // Unsaved in-memory state (write-behind, not yet flushed): a restarted child loses it.
    for (const ref of refs) assert.equal(await ref.ask({ type: 'drill' }), 1);

    armFailure();
    const stumble = track(refs[1].ask({ type: 'stumble' }));
    await h.settle();
    assert.equal(snapshot(h, 'unit', 's/c2').status, 'backing-off');
    await h.advance(40);
    assert.equal(await stumble.promise, 'ok', 'the failed message was retried after the restart');

    const ids = ['s/c1', 's/c2', 's/c3'] as const;
    assert.deepEqual(
      Object.fromEntries(ids.map((id) => [id, activations.get(id)])),
      expected,
    );
    assert.equal(activations.get('squad s'), 1, 'the parent itself is not restarted');
    for (let i = 0; i < 3; i++) {
      const restarted = expected[ids[i]] === 2;
      assert.equal(await refs[i].ask({ type: 'get' }), restarted ? 0 : 1, `${ids[i]} state`);
      const s = snapshot(h, 'unit', ids[i]);
      assert.equal(s.status, 'active');
      assert.equal(s.parent, 'squad:s');
      // Only the failed child's own restarts are counted against its limit.
      assert.equal(s.restarts, ids[i] === 's/c2' ? 1 : 0);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// stop and resume

test('directive stop: the actor is stopped, its queued messages refused with GLASS_ERR_ACTOR_STOPPED, later ones too', async (t) => {
  const fuse = defineActor({
    kind: 'fuse',
    initialState: () => ({ n: 0 }),
    supervision: { directive: 'stop' },
    handlers: {
      add(ctx, _msg: {}) {
        return ++ctx.state.n;
      },
      blow(_ctx, _msg: {}) {
        throw new Error('blown');
      },
    },
  });
  const h = harness(t, { actors: [fuse] });
  const ref = fuse.ref(h, 'f');
  assert.equal(await ref.ask({ type: 'add' }), 1);
  const blow = ref.ask({ type: 'blow' });
  const queued = ref.ask({ type: 'add' });
  ref.tell({ type: 'add' });
  await assert.rejects(blow, rejectsWith(ErrorCodes.ACTOR_FAILED, (err) => assert.equal(err.message, 'blown')));
  await assert.rejects(
    queued,
    rejectsWith(ErrorCodes.ACTOR_STOPPED, (err) => assert.deepEqual(err.details, { actor: 'fuse:f', status: 'stopped' })),
  );
  assert.deepEqual(h.letters().map((l) => [l.to, l.reason]), [['fuse:f', 'stopped']]);
  assert.equal(snapshot(h, 'fuse', 'f').status, 'stopped');
  assert.deepEqual(h.failures.map((f) => f.directive), ['stop']);
  await h.advance(60_000);
  await assert.rejects(ref.ask({ type: 'add' }), rejectsWith(ErrorCodes.ACTOR_STOPPED));
  assert.equal(snapshot(h, 'fuse', 'f').status, 'stopped');
});

test('directive resume: the actor keeps its state (including the failed handler\'s changes) and is not reactivated', async (t) => {
  let activations = 0;
  const sturdy = defineActor({
    kind: 'sturdy',
    initialState: () => ({ n: 0 }),
    supervision: { directive: 'resume' },
    onActivate: () => void activations++,
    handlers: {
      add(ctx, _msg: {}) {
        return ++ctx.state.n;
      },
      crash(ctx, _msg: {}) {
        ctx.state.n += 100;
        throw new Error('crashed');
      },
    },
  });
  const h = harness(t, { actors: [sturdy] });
  const ref = sturdy.ref(h, 's');
  assert.equal(await ref.ask({ type: 'add' }), 1);
  await assert.rejects(ref.ask({ type: 'crash' }), rejectsWith(ErrorCodes.ACTOR_FAILED));
  assert.equal(await ref.ask({ type: 'add' }), 102);
  assert.equal(activations, 1);
  const s = snapshot(h, 'sturdy', 's');
  assert.equal(s.status, 'active');
  assert.equal(s.restarts, 0);
  assert.equal(s.failures, 1);
  assert.equal(s.epoch, 1);
});

// ---------------------------------------------------------------------------------------------
// Fencing

function accountKind(save: 'every-message' | 'write-behind', log: string[]) {
  return defineActor({
    kind: 'account',
    initialState: () => ({ balance: 0 }),
    persistence: { save, writeBehindMs: 100 },
    onActivate: (ctx) => void log.push(`activate ${ctx.state.balance}`),
    handlers: {
      deposit(ctx, msg: { amount: number }) {
        return (ctx.state.balance += msg.amount);
      },
      get(ctx, _msg: {}) {
        return ctx.state.balance;
      },
    },
  });
}

test('fencing: two activations of one actor on one store — the first save wins, the second conflicts, never overwrites, and re-delivers what it held on top of the winner\'s state', async (t) => {
  const shared = new GatedStore(new MemoryStateStore());
  const slow = new GatedStore(shared);
  const log1: string[] = [];
  const log2: string[] = [];
  const h1 = harness(t, { actors: [accountKind('every-message', log1)], store: shared });
  const h2 = harness(t, { actors: [accountKind('every-message', log2)], store: slow });
  const ref1 = h1.ref('account', 'acc');
  const ref2 = h2.ref('account', 'acc');

  // h2 activates (nothing stored) and handles a deposit, but its save is slow.
  slow.hold = true;
  const d10 = track(ref2.ask({ type: 'deposit', amount: 10 }));
  const d100 = track(ref2.ask({ type: 'deposit', amount: 100 }));
  await h2.settle();
  assert.equal(slow.heldCount, 1);
  assert.deepEqual(log2, ['activate 0']);

  // Meanwhile h1 activates (nothing stored either) and saves first: it wins.
  assert.equal(await ref1.ask({ type: 'deposit', amount: 1 }), 1);
  assert.deepEqual(await shared.load('account', 'acc'), { state: { balance: 1 }, version: '1', epoch: 1 });

  // h2's save goes through now and conflicts: nothing written, its cell steps aside, and the
  // deposit it could not save is re-delivered through its router: a new activation loads the
  // winner's state and handles it on top (its save is held again).
  slow.release();
  await h2.settle();
  assert.deepEqual(await shared.load('account', 'acc'), { state: { balance: 1 }, version: '1', epoch: 1 });
  assert.deepEqual(shared.written.map((w) => w.state), [{ balance: 1 }], 'the stale activation never wrote');
  assert.deepEqual(log2, ['activate 0', 'activate 1']);
  let s = snapshot(h2, 'account', 'acc');
  assert.equal(s.epoch, 2, 'a new activation, over the winner\'s epoch');
  assert.equal(s.mailbox, 1, 'the second deposit, re-delivered behind the first');
  assert.equal(d10.settled, false, 'no answer before the save');
  assert.equal(slow.heldCount, 1);

  slow.release();
  assert.equal(await d10.promise, 11);
  await h2.settle();
  slow.release();
  assert.equal(await d100.promise, 111);
  assert.deepEqual(await shared.load('account', 'acc'), { state: { balance: 111 }, version: '3', epoch: 2 });
  assert.equal(h2.deadLetters.count, 0);

  // Now h1 is the stale one: its next save conflicts in turn, and it catches up the same way.
  assert.equal(await ref1.ask({ type: 'deposit', amount: 1_000 }), 1_111);
  assert.deepEqual(log1, ['activate 0', 'activate 111']);
  assert.deepEqual(shared.written.map((w) => (w.state as { balance: number }).balance), [1, 11, 111, 1_111]);
  s = snapshot(h1, 'account', 'acc');
  assert.equal(s.epoch, 3);
});

test('fencing: a write-behind flush that conflicts removes the stale cell without writing; the next message activates from the winner\'s state', async (t) => {
  const shared = new GatedStore(new MemoryStateStore());
  const log2: string[] = [];
  const h1 = harness(t, { actors: [accountKind('write-behind', [])], store: shared });
  const h2 = harness(t, { actors: [accountKind('write-behind', log2)], store: shared });
  const ref1 = h1.ref('account', 'acc');
  const ref2 = h2.ref('account', 'acc');
  assert.equal(await ref1.ask({ type: 'deposit', amount: 1 }), 1);
  assert.equal(await ref2.ask({ type: 'deposit', amount: 10 }), 10);

  await h1.advance(100);
  assert.deepEqual((await shared.load('account', 'acc'))?.state, { balance: 1 });
  await h2.advance(100);
  assert.equal(shared.calls.length, 2, 'h2 tried to save');
  assert.deepEqual(shared.written.map((w) => w.state), [{ balance: 1 }], 'and was refused');
  assert.equal(h2.isActive('account', 'acc'), false, 'the fenced cell is gone');
  assert.deepEqual((await shared.load('account', 'acc'))?.state, { balance: 1 });

  assert.equal(await ref2.ask({ type: 'deposit', amount: 10 }), 11);
  assert.deepEqual(log2, ['activate 0', 'activate 1']);
});

// ---------------------------------------------------------------------------------------------
// Save policies

function notebookKind(save: 'every-message' | 'write-behind' | 'passivation', onPassivate?: () => void) {
  return defineActor({
    kind: 'notebook',
    initialState: () => ({ lines: [] as string[] }),
    persistence: { save, writeBehindMs: 100 },
    onPassivate,
    handlers: {
      write(ctx, msg: { line: string }) {
        ctx.state.lines.push(msg.line);
        return ctx.state.lines.length;
      },
    },
  });
}

test('save policy write-behind: changes are saved writeBehindMs after the first one, every dirty actor in one go, one save per actor', async (t) => {
  const store = new GatedStore(new MemoryStateStore());
  const notebook = notebookKind('write-behind');
  const h = harness(t, { actors: [notebook], store });
  const start = h.clock.now();
  await notebook.ref(h, 'a').ask({ type: 'write', line: 'a1' });
  await h.advance(30);
  await notebook.ref(h, 'b').ask({ type: 'write', line: 'b1' });
  await notebook.ref(h, 'a').ask({ type: 'write', line: 'a2' });
  await notebook.ref(h, 'c').ask({ type: 'write', line: 'c1' });
  assert.ok(h.host.inspect().every((a) => a.unsaved));

  await h.advance(69);
  assert.equal(store.calls.length, 0, 'nothing saved before writeBehindMs');
  await h.advance(1);
  assert.deepEqual(
    store.calls.map((c) => [c.key, c.state, c.at]).sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    [
      ['notebook:a', { lines: ['a1', 'a2'] }, start + 100],
      ['notebook:b', { lines: ['b1'] }, start + 100],
      ['notebook:c', { lines: ['c1'] }, start + 100],
    ],
  );
  assert.ok(h.host.inspect().every((a) => !a.unsaved));
  for (const id of ['a', 'b', 'c']) assert.equal((await store.load('notebook', id))?.version, '1');

  // Nothing changed since: no more saves.
  await h.advance(500);
  assert.equal(store.calls.length, 3);
});

test('save policy write-behind: a change made while the previous save is in flight is saved by the next flush', async (t) => {
  const store = new GatedStore(new MemoryStateStore());
  const notebook = notebookKind('write-behind');
  const h = harness(t, { actors: [notebook], store });
  const ref = notebook.ref(h, 'a');
  await ref.ask({ type: 'write', line: 'one' });
  store.hold = true;
  await h.advance(100);
  assert.equal(store.heldCount, 1, 'the flush started a save');
  // The actor is not held up by a write-behind save: it handles this meanwhile.
  assert.equal(await ref.ask({ type: 'write', line: 'two' }), 2);
  store.open();
  await h.settle();
  assert.deepEqual((await store.load('notebook', 'a'))?.state, { lines: ['one'] });
  assert.equal(snapshot(h, 'notebook', 'a').unsaved, true);

  await h.advance(100);
  assert.deepEqual((await store.load('notebook', 'a'))?.state, { lines: ['one', 'two'] });
  assert.equal(snapshot(h, 'notebook', 'a').unsaved, false);
});

test('save policy passivation: nothing is saved while the actor is active, however long; passivation saves it once', async (t) => {
  const store = new GatedStore(new MemoryStateStore());
  let passivations = 0;
  const notebook = notebookKind('passivation', () => void passivations++);
  const h = harness(t, { actors: [notebook], store });
  const ref = notebook.ref(h, 'p');
  for (const line of ['x', 'y', 'z']) await ref.ask({ type: 'write', line });
  await h.advance(10_000, 1_000);
  assert.equal(store.calls.length, 0);
  assert.equal(snapshot(h, 'notebook', 'p').unsaved, true);

  assert.equal(await h.host.passivate('notebook:p'), true);
  assert.equal(passivations, 1);
  assert.deepEqual(
    store.calls.map((c) => [c.key, c.state]),
    [['notebook:p', { lines: ['x', 'y', 'z'] }]],
  );
  assert.equal(await ref.ask({ type: 'write', line: 'w' }), 4, 'reactivated from the saved state');
});

test('save policy every-message: the reply comes only after the save, and the next message waits for it', async (t) => {
  const store = new GatedStore(new MemoryStateStore());
  const notebook = notebookKind('every-message');
  const h = harness(t, { actors: [notebook], store });
  const ref = notebook.ref(h, 'e');
  store.hold = true;
  const first = track(ref.ask({ type: 'write', line: 'first' }));
  const second = track(ref.ask({ type: 'write', line: 'second' }));
  await h.settle();
  assert.equal(store.heldCount, 1);
  assert.deepEqual(store.calls.map((c) => c.state), [{ lines: ['first'] }], 'second not handled while the save is pending');
  assert.equal(first.settled, false, 'no reply before the save');
  await h.advance(1_000);
  assert.equal(first.settled, false, 'time alone does not release it');

  store.release();
  assert.equal(await first.promise, 1);
  assert.deepEqual((await store.load('notebook', 'e'))?.state, { lines: ['first'] });
  await h.settle();
  assert.equal(second.settled, false);
  assert.equal(store.heldCount, 1);
  store.release();
  assert.equal(await second.promise, 2);
  assert.deepEqual(await store.load('notebook', 'e'), { state: { lines: ['first', 'second'] }, version: '2', epoch: 1 });
  assert.equal(snapshot(h, 'notebook', 'e').unsaved, false);
});

test('escalation to a parent whose directive is stop: parent and children are stopped; host.restart(parent) brings both back from the store', async (t) => {
  const log: string[] = [];
  const cell = defineActor({
    kind: 'cell',
    initialState: () => ({ n: 0 }),
    persistence: { save: 'every-message' },
    supervision: { directive: 'escalate' },
    onActivate: (ctx) => void log.push(`cell ${ctx.self.id} ${ctx.state.n}`),
    handlers: {
      add(ctx, _msg: {}) {
        return ++ctx.state.n;
      },
      crash(_ctx, _msg: {}) {
        throw new Error('cell crashed');
      },
    },
  });
  const organ = defineActor({
    kind: 'organ',
    initialState: () => ({}),
    supervision: { directive: 'stop' },
    onActivate: (ctx) => {
      log.push(`organ ${ctx.self.id}`);
      ctx.spawn(cell, 'c');
    },
    handlers: {
      ping(_ctx, _msg: {}) {
        return 'pong';
      },
    },
  });
  const h = harness(t, { actors: [organ, cell] });
  const o = organ.ref(h, 'o');
  const c = cell.ref(h, 'o/c');
  assert.equal(await o.ask({ type: 'ping' }), 'pong');
  assert.equal(await c.ask({ type: 'add' }), 1);
  await assert.rejects(c.ask({ type: 'crash' }), rejectsWith(ErrorCodes.ACTOR_FAILED));
  assert.deepEqual(h.failures.map((f) => [f.key, f.directive]), [['cell:o/c', 'escalate'], ['organ:o', 'stop']]);
  assert.equal(snapshot(h, 'organ', 'o').status, 'stopped');
  assert.equal(snapshot(h, 'cell', 'o/c').status, 'stopped');
  await assert.rejects(c.ask({ type: 'add' }), rejectsWith(ErrorCodes.ACTOR_STOPPED));
  await assert.rejects(o.ask({ type: 'ping' }), rejectsWith(ErrorCodes.ACTOR_STOPPED));

  log.length = 0;
  assert.equal(h.host.restart('organ:o'), true);
  await h.settle();
  assert.equal(await o.ask({ type: 'ping' }), 'pong');
  assert.equal(snapshot(h, 'cell', 'o/c').status, 'active');
  assert.equal(await c.ask({ type: 'add' }), 2, 'the child is back with its saved state');
  assert.deepEqual(log.sort(), ['cell o/c 1', 'organ o']);
});

test('every-message outbox: the tells a handler makes leave only once its state is saved, in order; a failed or fenced message sends none', async (t) => {
  const heard: string[] = [];
  const echo = defineActor({
    kind: 'echo',
    initialState: () => ({}),
    supervision: { directive: 'resume' },
    handlers: {
      hear(_ctx, msg: { line: string }) {
        heard.push(msg.line);
      },
    },
  });
  const announcer = defineActor({
    kind: 'announcer',
    initialState: () => ({ said: 0 }),
    persistence: { save: 'every-message' },
    supervision: { directive: 'resume' },
    handlers: {
      announce(ctx, msg: { line: string; fail?: boolean }) {
        ctx.state.said++;
        ctx.tell({ kind: 'echo', id: 'e' }, { type: 'hear', line: `${msg.line}.1` });
        ctx.ref(echo, 'e').tell({ type: 'hear', line: `${msg.line}.2` });
        if (msg.fail === true) throw new Error('after telling');
        return ctx.state.said;
      },
    },
  });
  const store = new GatedStore(new MemoryStateStore());
  const h = harness(t, { actors: [echo, announcer], store });
  const ref = announcer.ref(h, 'a');
  store.hold = true;
  const first = track(ref.ask({ type: 'announce', line: 'one' }));
  await h.settle();
  assert.equal(store.heldCount, 1);
  assert.deepEqual(heard, [], 'nothing leaves before the save');
  store.release();
  assert.equal(await first.promise, 1);
  await h.settle();
  assert.deepEqual(heard, ['one.1', 'one.2']);

  store.hold = false;
  await assert.rejects(ref.ask({ type: 'announce', line: 'two', fail: true }), { code: 'GLASS_ERR_ACTOR_FAILED' });
  assert.equal(await ref.ask({ type: 'announce', line: 'three' }), 3);
  await h.settle();
  assert.deepEqual(heard, ['one.1', 'one.2', 'three.1', 'three.2'], 'the failed message told nobody');
});
