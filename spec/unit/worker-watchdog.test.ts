import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HASHRING_PLACEMENT, WORKER_SUPERVISOR } from '../../cluster/worker-modules.js';
import { ErrorCodes, ManualClock, type Clock, type GlassError } from '../../runtime/index.js';
import { WorkerPulse, newPulseBuffer, readBeat, readPulse } from '../../runtime/host/worker-pulse.js';
import { resolveNodeOptions } from '../../runtime/node/node-options.js';
import { WorkerWatchdog, beatEveryMs, type BlockedWorker } from '../../runtime/node/worker-watchdog.js';

const STORE = { module: 'file:///store.js', export: 'createStore' };
const VALID = { actorModules: ['file:///actors.js'], placement: HASHRING_PLACEMENT, supervisor: WORKER_SUPERVISOR, nodeId: 'n1', workers: 2 };

test('blockedAfterMs: 3 s by default, 0 turns the watchdog off, anything else below 100 ms or not an integer is refused', () => {
  assert.equal(resolveNodeOptions(VALID, STORE).blockedAfterMs, 3_000);
  assert.equal(resolveNodeOptions({ ...VALID, blockedAfterMs: 0 }, STORE).blockedAfterMs, 0);
  assert.equal(resolveNodeOptions({ ...VALID, blockedAfterMs: 100 }, STORE).blockedAfterMs, 100);
  for (const bad of [99, 1, -1, 1.5, Number.NaN, '3000', 2 ** 31, {}]) {
    assert.throws(
      () => resolveNodeOptions({ ...VALID, blockedAfterMs: bad as number }, STORE),
      (err: GlassError) => err.code === ErrorCodes.INVALID_OPTION && /blockedAfterMs/.test(err.message),
      `refuses ${String(bad)}`,
    );
  }
});

test('a pulse names the actor and message type of the handler running, and nothing once it returned', () => {
  const buffer = newPulseBuffer();
  const pulse = new WorkerPulse(buffer);
  pulse.addKind('room', ['say', 'join']);
  pulse.addKind('session', ['turn']);
  const types = pulse.types;
  const room = pulse.typeIdsOf('room');
  const session = pulse.typeIdsOf('session');
  assert.deepEqual(readPulse(buffer, types), { beat: 0, key: null, messageType: null, receipt: 0 });

  const lobby = pulse.nextSlot();
  pulse.enter(lobby, 'room:lobby', room.join, 0);
  assert.deepEqual(readPulse(buffer, types), { beat: 0, key: 'room:lobby', messageType: 'join', receipt: 0 });
  pulse.leave();
  assert.equal(readPulse(buffer, types).key, null);

  const s = pulse.nextSlot();
  pulse.enter(s, 'session:s1', session.turn, 42);
  assert.deepEqual(readPulse(buffer, types), { beat: 0, key: 'session:s1', messageType: 'turn', receipt: 42 });
  // An async handler that settled leaves it idle only if no other handler started since.
  pulse.leaveIf(lobby);
  assert.equal(readPulse(buffer, types).key, 'session:s1');
  pulse.leaveIf(s);
  assert.equal(readPulse(buffer, types).key, null);
  // A type the kind does not have (not a handler) reads as unknown; a prototype name is not one.
  pulse.enter(lobby, 'room:lobby', room['constructor' as string], 0);
  assert.equal(readPulse(buffer, types).messageType, null);
});

test('a pulse keeps 1,024 actors handled in turn; one pushed out of its entry, or with a key too long to keep, reads as unknown', () => {
  const buffer = newPulseBuffer();
  const pulse = new WorkerPulse(buffer);
  pulse.addKind('room', ['say']);
  const say = pulse.typeIdsOf('room').say;
  const slots = Array.from({ length: 1_025 }, () => pulse.nextSlot());
  for (let i = 0; i < 1_024; i++) pulse.enter(slots[i]!, `room:r${i}`, say, 0);
  for (let i = 0; i < 1_024; i++) {
    pulse.enter(slots[i]!, 'room:not-written-again', say, 0);
    assert.equal(readPulse(buffer, pulse.types).key, `room:r${i}`);
  }
  // Slot 1024 shares slot 0's entry: it writes its own key there.
  pulse.enter(slots[1_024]!, 'room:r1024', say, 0);
  assert.equal(readPulse(buffer, pulse.types).key, 'room:r1024');
  pulse.enter(slots[0]!, 'room:r0', say, 0);
  assert.equal(readPulse(buffer, pulse.types).key, 'room:r0', 'an actor whose entry was taken writes its key again');
  const long = pulse.nextSlot();
  pulse.enter(long, `room:${'x'.repeat(200)}`, say, 0);
  assert.deepEqual(readPulse(buffer, pulse.types), { beat: 0, key: null, messageType: 'say', receipt: 0 });
});

test('the watchdog reports a worker once its beat stood still for longer than the limit, and only then', () => {
  const clock = new ManualClock(1_000);
  const seen: BlockedWorker[] = [];
  const watchdog = new WorkerWatchdog({ blockedAfterMs: 400, clock, onBlocked: (b) => seen.push(b) });
  const everyMs = beatEveryMs(400);
  assert.equal(everyMs, 100);
  const buffer = newPulseBuffer();
  const pulse = new WorkerPulse(buffer);
  pulse.addKind('stuck', ['spin']);
  const beat = (): void => void Atomics.add(new Int32Array(buffer, 0, 1), 0, 1);
  watchdog.watch(3, buffer, pulse.types);

  // A beat in every interval: never blocked, however long it runs.
  for (let i = 0; i < 50; i++) {
    beat();
    clock.advance(everyMs);
  }
  assert.deepEqual(seen, []);
  assert.equal(readBeat(buffer), 50);

  pulse.enter(pulse.nextSlot(), 'stuck:s', pulse.typeIdsOf('stuck').spin, 0);
  const stoppedAt = clock.now();
  clock.advance(400);
  assert.deepEqual(seen, [], 'not past the limit yet');
  clock.advance(everyMs);
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0], { beat: 50, key: 'stuck:s', messageType: 'spin', receipt: 0, thread: 3, since: stoppedAt, forMs: 500 });
  clock.advance(10_000);
  assert.equal(seen.length, 1, 'reported once; the replacement is watched anew');
  assert.equal(clock.pending, 0, 'nothing watched, no timer');

  watchdog.watch(3, newPulseBuffer(), pulse.types);
  watchdog.stop();
  clock.advance(10_000);
  assert.equal(seen.length, 1);
});

test('a look that comes long after it was due (the process was frozen) watches every worker afresh: a stall of the whole process is not a blocked worker', () => {
  const manual = new ManualClock(1_000);
  // The node's wall clock: it jumps while the process is stopped, with no timer firing meanwhile.
  let frozenFor = 0;
  const clock: Clock = { now: () => manual.now() + frozenFor, setTimeout: (cb, ms) => manual.setTimeout(cb, ms), clearTimeout: (h) => manual.clearTimeout(h) };
  const seen: BlockedWorker[] = [];
  const watchdog = new WorkerWatchdog({ blockedAfterMs: 400, clock, onBlocked: (b) => seen.push(b) });
  const everyMs = beatEveryMs(400);
  const buffer = newPulseBuffer();
  const beat = (): void => void Atomics.add(new Int32Array(buffer, 0, 1), 0, 1);
  watchdog.watch(1, buffer, []);
  beat();
  manual.advance(everyMs);

  // SIGSTOP for 5 s, then SIGCONT: the watchdog's timer fires first, before the worker could beat.
  frozenFor += 5_000;
  manual.advance(everyMs);
  assert.equal(seen.length, 0, 'the worker was frozen with everything else, not blocked');
  // It beats again: still fine.
  beat();
  manual.advance(everyMs);
  assert.equal(seen.length, 0);

  // A worker that then really stops is still reported, after the limit.
  manual.advance(400 + everyMs);
  assert.equal(seen.length, 1);
  assert.equal(seen[0].thread, 1);
  watchdog.stop();
});
