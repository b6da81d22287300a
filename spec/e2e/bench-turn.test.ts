// The turn bench's scenario, tiny: both sides commit every turn and the figures the JSON promises are there.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { turn } from '../../bench/turn/scenario.js';
import { silentProgress } from '../../bench/support/progress.js';

test('bench turn: 3 sessions × 2 turns commit on both sides and report every figure', async () => {
  const result = await turn.run({ sessions: 3, turns: 2, pace: '0', workers: 1, preempt: 0 }, silentProgress);
  const f = result.figures as Record<string, unknown>;
  for (const key of ['sessions', 'turnsPerSec', 'bareTurnsPerSec', 'ratio', 'p50Ms', 'p95Ms', 'p99Ms', 'bareP95Ms', 'overheadP95Ms']) {
    assert.equal(typeof f[key], 'number', key);
  }
  assert.equal(f.scenario, 'turn');
  assert.equal(f.sessions, 3);
  assert.equal(f.committed, 6);
  assert.equal(f.bareCommitted, 6);
  assert.ok((f.chunks as number) > 0, 'narration chunks reached the players');
});

test('bench turn --preempt: 2 sessions × 2 turns are each cancelled on both sides, and every figure is reported', async () => {
  const result = await turn.run({ sessions: 2, turns: 2, pace: '0', workers: 1, preempt: 1 }, silentProgress);
  const f = result.figures as Record<string, unknown>;
  for (const key of ['preemptP50Ms', 'preemptP95Ms', 'preemptMaxMs', 'bareStopP50Ms', 'bareStopP95Ms', 'bareStopMaxMs']) assert.equal(typeof f[key], 'number', key);
  assert.equal(f.mode, 'preempt');
  assert.equal(f.cancelled, 4);
  assert.equal(f.bareCancelled, 4);
});
