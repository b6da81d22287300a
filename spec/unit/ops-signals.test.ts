import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LatencyWindow, SCALING_TRIGGERS, SignalTracker } from '../../clients/index.js';

const worker = (thread: number, sessions: number, mailboxTotal = 0) => ({ thread, mailboxTotal, kinds: [{ kind: 'session', count: sessions, byStatus: { active: sessions }, mailbox: 0, restarts: 0, failures: 0, rate: 0, lastFailure: null }] });

test('each DES-19 trigger goes over its threshold, names its action, and the latency one fires only after 15 minutes', () => {
  const t = new SignalTracker();
  const calm = t.evaluate({ workers: [worker(1, 40), worker(2, 3)], turnLatencyP95: 2.5, queuedRemote: 0, cpu: 0.7 }, 0);
  assert.deepEqual(calm.slice(0, 7).map((s) => [s.id, s.value, s.over, s.firing]), [
    ['sessions-per-worker', 40, false, false],
    ['turn-latency-p95', 2.5, false, false],
    ['command-backlog', 0, false, false],
    ['cpu', 0.7, false, false],
    ['gm-queue-depth', null, false, false],
    ['world-budget-use', null, false, false],
    ['search-changes-lag', null, false, false],
  ]);
  const busy = t.evaluate({ workers: [worker(1, 12, 150), worker(2, 41, 40)], turnLatencyP95: 2.6, queuedRemote: 11, cpu: 0.71, budget: { gmQueueOpen: 1, highestUse: { world: 'saga', use: 0.9 } } }, 1_000);
  assert.deepEqual(busy.slice(0, 7).map((s) => [s.id, s.value, s.over, s.firing]), [
    ['sessions-per-worker', 41, true, true],
    ['turn-latency-p95', 2.6, true, false],
    ['command-backlog', 201, true, true],
    ['cpu', 0.71, true, true],
    ['gm-queue-depth', 1, true, true],
    ['world-budget-use', 0.9, true, true],
    ['search-changes-lag', null, false, false],
  ]);
  assert.equal(busy[5].detail, 'world saga');
  assert.equal(busy[0].detail, 'worker 2');
  assert.match(busy[0].action, /Add a worker/);
  assert.match(busy[2].action, /orchestrator worker or a new gateway instance/);
  const later = t.evaluate({ workers: [worker(1, 0)], turnLatencyP95: 3, queuedRemote: 0, cpu: 0 }, 1_000 + 15 * 60_000);
  assert.equal(later[1].firing, true);
  assert.equal(later[1].overSince, 1_000);
  const back = t.evaluate({ workers: [worker(1, 0)], turnLatencyP95: null, queuedRemote: 0, cpu: 0 }, 2_000_000);
  assert.deepEqual([back[1].value, back[1].over, back[1].overSince], [null, false, null]);
  assert.equal(SCALING_TRIGGERS.length, 10, 'four DES-19 plane triggers, two budget signals, the search lag and three Temporal ones');
});

test('the latency window gives the p95 of its last 15 minutes', () => {
  const w = new LatencyWindow();
  assert.equal(w.p95Seconds(0), null);
  for (let i = 1; i <= 100; i++) w.observe(i * 100, 0);
  assert.equal(w.p95Seconds(0), 9.5);
  w.observe(50, 10 * 60_000);
  assert.equal(w.p95Seconds(16 * 60_000), 0.05, 'older samples left the window');
});

test('search indexing more than 3 minutes behind CouchDB _changes fires at once', () => {
  const t = new SignalTracker();
  const base = { workers: [worker(1, 0)], turnLatencyP95: null, queuedRemote: 0, cpu: 0 };
  const lag = (searchLagSeconds: number) => t.evaluate({ ...base, searchLagSeconds }, 0).find((s) => s.id === 'search-changes-lag')!;
  assert.deepEqual([lag(0).value, lag(0).over, lag(0).detail], [0, false, 'caught up']);
  assert.deepEqual([lag(180).over, lag(181).over, lag(181).firing], [false, true, true]);
  assert.match(lag(181).action, /search backend/);
});
