import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineActor } from '../../actors/index.js';
import { MemoryStateStore, StoreUnavailableError, type StateStore } from '../../runtime/index.js';
import { track } from './host-harness.js';
import { GatedStore, harness, snapshot } from './supervision-harness.js';

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

test('readOnly messages mark nothing to save and wait for no save; passivating an actor unchanged since its last save writes nothing', async (t) => {
  const ledgerKind = defineActor({
    kind: 'ro-ledger',
    initialState: () => ({ total: 0 }),
    persistence: { save: 'every-message' },
    readOnly: ['read'],
    handlers: {
      add(ctx, msg: { by: number }) {
        ctx.state.total += msg.by;
        return ctx.state.total;
      },
      read(ctx, _msg: {}) {
        return ctx.state.total;
      },
    },
  });
  const store = new GatedStore(new MemoryStateStore());
  const h = harness(t, { actors: [ledgerKind], store });
  const ref = ledgerKind.ref(h, 'r');
  assert.equal(await ref.ask({ type: 'add', by: 5 }), 5);
  assert.equal(store.calls.length, 1);
  store.hold = true;
  // A read answers at once even while saves are being held: it waits for none.
  assert.equal(await ref.ask({ type: 'read' }), 5);
  assert.equal(store.calls.length, 1);
  store.hold = false;
  assert.equal(await h.host.passivate('ro-ledger:r'), true);
  assert.equal(store.calls.length, 1, 'nothing changed since the last save: passivation wrote nothing');
  assert.equal(await ref.ask({ type: 'read' }), 5);
  assert.throws(() => defineActor({ kind: 'bad-ro', initialState: () => ({}), handlers: { a: () => 1 }, readOnly: ['b' as 'a'] }), { code: 'GLASS_ERR_INVALID_OPTION' });
});

test('store down: a save fails with GLASS_ERR_STORE_FAILED, the actor keeps its state and holds its next messages, other actors keep answering, and all is saved once the store is back', async (t) => {
  let down = true;
  const inner = new MemoryStateStore();
  const flaky: StateStore = {
    load: (kind, id) => inner.load(kind, id),
    save: (kind, id, state, expected, epoch) => (down ? Promise.reject(new StoreUnavailableError('save', `${kind}:${id}`)) : inner.save(kind, id, state, expected, epoch)),
    close: () => inner.close(),
  };
  const tally = defineActor({
    kind: 'down-tally',
    initialState: () => ({ n: 0 }),
    persistence: { save: 'every-message' },
    handlers: {
      add(ctx, _msg: {}) {
        return ++ctx.state.n;
      },
    },
  });
  const reader = defineActor({
    kind: 'down-reader',
    initialState: () => ({}),
    persistence: { save: 'passivation' },
    handlers: {
      ping(_ctx, _msg: {}) {
        return 'pong';
      },
    },
  });
  const h = harness(t, { actors: [tally, reader], store: flaky });
  const ref = tally.ref(h, 'x');
  const first = track(ref.ask({ type: 'add' }, { timeoutMs: 60_000 }));
  const second = track(ref.ask({ type: 'add' }, { timeoutMs: 60_000 }));
  await h.advance(1_000, 100);
  assert.equal(first.settled, false, 'not acknowledged while unsaved');
  assert.equal(second.settled, false, 'the next message waits for the save');
  assert.equal(snapshot(h, 'down-tally', 'x').unsaved, true);
  assert.equal(await reader.ref(h, 'r').ask({ type: 'ping' }), 'pong', 'other actors are served');

  down = false;
  await h.advance(10_000, 100);
  assert.equal(await first.promise, 1);
  assert.equal(await second.promise, 2);
  assert.deepEqual((await inner.load('down-tally', 'x'))?.state, { n: 2 });
});
