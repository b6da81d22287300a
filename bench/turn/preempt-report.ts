// The figures of `bench turn --preempt`: override → turn-cancelled on a node, abort → settled bare.
import type { ScenarioResult } from '../support/report.js';
import type { PreemptResult } from './preempt-side.js';

/** Issue 15's target: a turn stopped within 100 ms of the override, with the offline narrator. */
export const GOAL_PREEMPT_MS = 100;

export function preemptGoalText(): string {
  return `--preempt: the override → turn-cancelled p95 < ${GOAL_PREEMPT_MS} ms (offline narrator, pace real), every turn cancelled`;
}

export function preemptReport(r: { sessions: number; turns: number; workers: number; ours: PreemptResult; bare: PreemptResult; runMs: number }): ScenarioResult {
  const l = r.ours.latency;
  const b = r.bare.latency;
  const figures = {
    scenario: 'turn',
    mode: 'preempt',
    sessions: r.sessions,
    turns: r.turns,
    workers: r.workers,
    preemptP50Ms: l.percentileMs(50),
    preemptP95Ms: l.percentileMs(95),
    preemptMaxMs: l.percentileMs(100),
    cancelled: r.ours.cancelled,
    missed: r.ours.missed,
    bareStopP50Ms: b.percentileMs(50),
    bareStopP95Ms: b.percentileMs(95),
    bareStopMaxMs: b.percentileMs(100),
    bareCancelled: r.bare.cancelled,
    bareMissed: r.bare.missed,
    pace: 'real',
    runMs: r.runMs,
  };
  const expected = r.sessions * r.turns;
  const goalMet = r.ours.cancelled === expected && figures.preemptP95Ms < GOAL_PREEMPT_MS;
  const row = (name: string, s: PreemptResult) => [name, s.cancelled, s.missed, s.latency.percentileMs(50), s.latency.percentileMs(95), s.latency.percentileMs(100)];
  return {
    figures,
    goal: preemptGoalText(),
    goalMet,
    table: {
      head: ['side', 'cancelled', 'missed', 'p50 ms', 'p95 ms', 'max ms'],
      rows: [row('node (override sent → turn-cancelled at the gateway endpoint)', r.ours), row('bare turn graph (abort → run settled, thread deleted)', r.bare)],
    },
    bars: [
      { label: 'node p95', value: figures.preemptP95Ms },
      { label: 'bare p95', value: figures.bareStopP95Ms },
    ],
    unit: 'ms',
    plot: `${r.sessions} sessions × ${r.turns} pre-empted turns, ${r.workers} workers; goal p95 < ${GOAL_PREEMPT_MS} ms`,
  };
}
