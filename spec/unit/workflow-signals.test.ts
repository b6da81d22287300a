// The seed's Temporal signals with the other ops signals: lag p95 > 5 s for 10 minutes, > 20 active
// workflows per core, > 150 workflows an hour; measured from the node's WorkflowStats.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignalTracker } from '../../clients/index.js';
import { WorkflowStats } from '../../cluster/index.js';

const base = { workers: [], turnLatencyP95: null, queuedRemote: 0, cpu: 0 };
const pick = (signals: { id: string; value: number | null; over: boolean; firing: boolean }[]) =>
  signals.filter((s) => s.id.startsWith('workflow')).map((s) => [s.id, s.value, s.over, s.firing]);

test('without a workflow service the Temporal signals are present and measure nothing', () => {
  assert.deepEqual(pick(new SignalTracker().evaluate(base, 0)), [
    ['workflow-lag-p95', null, false, false],
    ['workflows-per-core', null, false, false],
    ['workflows-per-hour', null, false, false],
  ]);
});

test('the stats feed the three triggers; lag fires after 10 minutes over 5 s, the others at once', () => {
  const stats = new WorkflowStats('in-process');
  const t0 = 1_000_000;
  for (let i = 0; i < 151; i++) stats.started(t0, i < 140 ? 100 : 6_000, false);
  stats.started(t0, 0, true);
  for (let i = 0; i < 21 * 2; i++) stats.running(1);
  const snap = stats.snapshot(t0);
  assert.equal(snap.perHour, 151, 'a duplicate is not a workflow');
  assert.equal(snap.duplicates, 1);
  assert.equal(snap.lagP95Seconds, 6);
  const tracker = new SignalTracker();
  const w = { ...snap, cores: 2 };
  assert.deepEqual(pick(tracker.evaluate({ ...base, workflows: w }, t0)), [
    ['workflow-lag-p95', 6, true, false],
    ['workflows-per-core', 21, true, true],
    ['workflows-per-hour', 151, true, true],
  ]);
  assert.equal(tracker.evaluate({ ...base, workflows: w }, t0 + 10 * 60_000).find((s) => s.id === 'workflow-lag-p95')!.firing, true);
  const hourLater = stats.snapshot(t0 + 61 * 60_000);
  assert.deepEqual([hourLater.perHour, hourLater.lagP95Seconds], [0, null], 'the windows forget');
  assert.equal(new WorkflowStats('temporal').snapshot(0).active, null, 'on Temporal the running count comes from the cluster');
});
