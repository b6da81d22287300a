// The cross-node scenario's cost-of-tracing figures (bench/micro/cross-node-tracing.ts) from
// synthetic rounds: per CPU-second and per second, medians and their ratio (bench/support/tracing.ts's
// goal), the geometric mean over the two start orders, the same-run ratios of each pair of rounds,
// the table rows, and the ABBA order of the rounds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TRACING_HALVES, alternateTracing, crossNodeTracing, perCpuSec, perSec, tracingHalfOrders, tracingRows, type CpuRound } from '../../bench/micro/cross-node-tracing.js';
import { silentProgress } from '../../bench/support/progress.js';
import { TRACING_SAMPLE_RATIO } from '../../bench/support/tracing.js';

const round = (handled: number, elapsedMs: number, cpuMs: number): CpuRound => ({ handled, elapsedMs, cpuMs });

test('messages per CPU-second and per second of a round (0 when nothing was measured)', () => {
  assert.equal(perCpuSec(round(40_000, 500, 800)), 50_000);
  assert.equal(perSec(round(40_000, 500, 800)), 80_000);
  assert.equal(perCpuSec(round(40_000, 500, 0)), 0);
  assert.equal(perSec(round(40_000, 0, 800)), 0);
});

test('the figures: per CPU-second of the phase, their ratio against the goal, the ratio of each pair of rounds', () => {
  const untraced = [round(40_000, 500, 800), round(40_000, 400, 1_000), round(40_000, 600, 400)];
  const traced = [round(40_000, 500, 1_000), round(40_000, 500, 1_000), round(40_000, 500, 500)];
  // The phase's CPU holds more than the rounds' (idle time, and the traced side's exports between its rounds).
  const t = crossNodeTracing([{ order: 'untraced first', outcome: { untraced, traced, phaseCpuMs: { untraced: 2_400, traced: 3_000 } } }], 1_234);
  assert.deepEqual(t.untracedPerRound, [50_000, 40_000, 100_000]);
  assert.deepEqual(t.tracedPerRound, [40_000, 40_000, 80_000]);
  assert.equal(t.untracedPerCpuSec, 50_000);
  assert.equal(t.tracedPerCpuSec, 40_000);
  assert.deepEqual(t.phaseCpuMs, { untraced: 2_400, traced: 3_000 });
  assert.equal(t.ratio, 0.8);
  assert.equal(t.goalMet, false);
  assert.deepEqual(t.roundRatios, [0.8, 1, 0.8]);
  assert.equal(t.spansReceived, 1_234);
  assert.equal(t.sampleRatio, TRACING_SAMPLE_RATIO);
  assert.equal(t.untracedMsgsPerSec, 80_000);
  assert.equal(t.tracedMsgsPerSec, 80_000);
  assert.deepEqual(t.halves.map((h) => [h.order, h.ratio]), [['untraced first', 0.8]]);
  const rows = tracingRows(t);
  assert.equal(rows.length, 4);
  assert.ok(rows.every((r) => r.length === 5), 'the scenario table has five columns');
  assert.match(String(rows[1][3]), /^0\.8 \(rounds 0\.8–1\)$/);
  assert.equal(rows[2][3], 0.8);
  assert.equal(rows[3][4], 'NO');
  const met = crossNodeTracing([{ order: 'untraced first', outcome: { untraced: [round(1_000, 10, 100)], traced: [round(1_000, 10, 105)], phaseCpuMs: { untraced: 100, traced: 105 } } }], 1);
  assert.equal(met.ratio, 0.952);
  assert.equal(met.goalMet, true);
});

test('two start orders: the ratio is the geometric mean of the halves\' ratios, so a start-order advantage cancels', () => {
  const outcome = (u: number, t: number) => ({ untraced: [round(1_000, 10, u)], traced: [round(1_000, 10, t)], phaseCpuMs: { untraced: u, traced: t } });
  // The same tracing cost (0.95), the pair started first 15 % ahead: 0.95 / 1.15 and 0.95 × 1.15.
  const t = crossNodeTracing([{ order: 'untraced first', outcome: outcome(100, 121.05) }, { order: 'traced first', outcome: outcome(100, 91.53) }], 7);
  assert.deepEqual(t.halves.map((h) => [h.order, h.ratio]), [['untraced first', 0.826], ['traced first', 1.093]]);
  assert.equal(t.ratio, 0.95);
  assert.equal(t.goalMet, true);
  assert.deepEqual(t.phaseCpuMs, { untraced: 200, traced: 213 });
  assert.deepEqual(t.roundRatios, [0.826, 1.093]);
  assert.equal(tracingRows(t).length, 5);
  assert.throws(() => crossNodeTracing([], 0), /no tracing half/);
  // The halves alternate the start order, the untraced pair first in the first.
  assert.deepEqual(tracingHalfOrders(4), ['untraced first', 'traced first', 'untraced first', 'traced first']);
  assert.equal(tracingHalfOrders().length, TRACING_HALVES);
});

test('rounds alternate ABBA after the warm-up; the phase CPU is read after the warm-up and after the settle; a wrong count is refused', async () => {
  const order: string[] = [];
  const cpu = { u: 0, t: 0 };
  const side = (name: 'u' | 't') => ({
    round: async (): Promise<CpuRound> => {
      order.push(name);
      cpu[name] += 1_000; // 1 ms per round, in µs
      return round(10, 1, 1);
    },
    cpuMicros: async (): Promise<number> => cpu[name],
  });
  const out = await alternateTracing(side('u'), side('t'), 10, 3, 1, silentProgress, 1);
  assert.deepEqual(order, ['u', 't', 'u', 't', 't', 'u', 'u', 't']);
  assert.equal(out.untraced.length, 3);
  assert.equal(out.traced.length, 3);
  assert.deepEqual(out.phaseCpuMs, { untraced: 3, traced: 3 }, 'the warm-up round is not in the phase');
  const bad = { round: async () => round(9, 1, 1), cpuMicros: async () => 0 };
  await assert.rejects(alternateTracing(side('u'), bad, 10, 1, 0, silentProgress, 1), /handled 9 messages, expected 10/);
});
