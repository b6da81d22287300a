import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SUPERVISION, EscalationTarget, Strategy, newRestartRecord, resolveSupervision, type FailureReport } from '../../runtime/index.js';
import { ONE_FOR_ALL, ONE_FOR_ONE, REST_FOR_ONE, ThreadRestarts, WorkerSupervisor, admitRestart, escalate, isPoison, strategyFor } from '../../supervisors/index.js';

const failure: FailureReport = { key: 'squad:s/c2', kind: 'squad', messageType: 'boom', message: 'it broke', attempt: 2, at: 1_000 };

/** For each sibling index 0..3, whether it restarts with the one at `failed`. */
function restarted(strategy: typeof ONE_FOR_ONE, failed: number): boolean[] {
  return [0, 1, 2, 3].map((i) => strategy.restartsWith(failed, i));
}

test('strategies: one-for-one takes no sibling, one-for-all every sibling, rest-for-one those spawned after the failing child', () => {
  assert.deepEqual(restarted(ONE_FOR_ONE, 1), [false, false, false, false]);
  assert.deepEqual(restarted(ONE_FOR_ALL, 1), [true, true, true, true]);
  assert.deepEqual(restarted(REST_FOR_ONE, 1), [false, true, true, true]);
  assert.deepEqual(restarted(REST_FOR_ONE, -1), [true, true, true, true], 'a child its parent no longer lists');
  for (const name of Object.values(Strategy)) assert.equal(strategyFor(name).name, name);
  const supervisor = new WorkerSupervisor();
  assert.equal(supervisor.strategy(resolveSupervision({ strategy: Strategy.REST_FOR_ONE })), REST_FOR_ONE);
  assert.equal(supervisor.strategy(DEFAULT_SUPERVISION), ONE_FOR_ONE);
});

test('escalation: to a live parent as a first failure of its own; with none, the actor is quarantined with the limit it reached', () => {
  const spec = resolveSupervision({ maxRestarts: 2, withinMs: 500 });
  assert.deepEqual(escalate(spec, failure, { key: 'army:s', kind: 'army' }), {
    to: EscalationTarget.PARENT,
    failure: { ...failure, key: 'army:s', kind: 'army', messageType: 'escalation from squad:s/c2', attempt: 1 },
  });
  assert.deepEqual(new WorkerSupervisor().escalate(spec, failure, null), {
    to: EscalationTarget.QUARANTINE,
    reason: 'restart limit reached (2 within 500 ms): it broke',
  });
});

test('restart intensity and poison: admitRestart counts restarts in a sliding window; isPoison flags the poisonAfter-th attempt', () => {
  const record = newRestartRecord();
  const limit = { maxRestarts: 2, withinMs: 100 };
  assert.deepEqual([0, 50, 99, 100, 151].map((at) => admitRestart(record, limit, at)), [true, true, false, true, true]);
  assert.equal(record.total, 4);
  assert.deepEqual(record.restarts, [100, 151]);
  const spec = resolveSupervision({ poisonAfter: 3 });
  assert.deepEqual([1, 2, 3, 4].map((attempt) => isPoison(spec, { ...failure, attempt })), [false, false, true, true]);
});

test('worker-thread restarts: the first at once, then 100 ms doubling to 5 s per thread, at once again after 30 s up, no jitter', () => {
  const threads = new ThreadRestarts(undefined, () => 0.999);
  const died = (thread: number, upForMs: number) => threads.delayMs({ thread, upForMs, code: 1 });
  assert.deepEqual([10, 10, 10, 10, 10, 10, 10, 10, 10].map((up) => died(1, up)), [0, 100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000]);
  assert.equal(died(2, 10), 0, 'each thread backs off on its own');
  assert.equal(died(2, 10), 100);
  assert.equal(died(1, 29_999), 5_000, 'not up long enough');
  assert.equal(died(1, 30_000), 0, 'up for resetAfterMs: at once again');
  assert.equal(died(1, 10), 100);
  assert.equal(died(1, 10), 200);
  // The supervisor gives the same answers (the node asks it).
  const supervisor = new WorkerSupervisor({ random: () => 0.5 });
  assert.deepEqual([0, 0, 0, 0].map(() => supervisor.threadRestartDelayMs({ thread: 3, upForMs: 0, code: 1 })), [0, 100, 200, 400]);
});

test('save retries: 100 ms doubling to 5 s, for ever, no jitter', () => {
  const supervisor = new WorkerSupervisor({ random: () => 0.999 });
  assert.deepEqual(
    Array.from({ length: 9 }, (_, attempt) => supervisor.saveRetryDelayMs(attempt)),
    [100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000],
  );
});
