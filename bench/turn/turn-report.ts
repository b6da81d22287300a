// The turn scenario's figures, goal and report, from the two sides' results.
import type { ScenarioResult } from '../support/report.js';
import type { SideResult } from './side-result.js';

export const GOAL_RATIO = 0.7;
export const GOAL_OVERHEAD_P95_MS = 50;
export const GOAL_REAL_P95_MS = 2_500;

export interface TurnReportInput {
  sessions: number;
  turns: number;
  pace: 'zero' | 'real';
  workers: number;
  ours: SideResult & { chunks: number };
  bare: SideResult;
  runMs: number;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;
const perSec = (s: SideResult): number => (s.wallMs > 0 ? round2((s.committed / s.wallMs) * 1_000) : 0);
const failures = (s: SideResult): number => Object.values(s.failed).reduce((a, b) => a + b, 0);

export function goalText(pace: 'zero' | 'real'): string {
  return pace === 'zero'
    ? `pace 0: turnsPerSec >= ${GOAL_RATIO} × the bare graph's and p95 overhead <= ${GOAL_OVERHEAD_P95_MS} ms, every turn committed`
    : `pace real (300 ms first chunk, 30 chunks/s): p95 < ${GOAL_REAL_P95_MS} ms, every turn committed`;
}

export function turnReport(r: TurnReportInput): ScenarioResult {
  const turnsPerSec = perSec(r.ours);
  const bareTurnsPerSec = perSec(r.bare);
  const ratio = bareTurnsPerSec > 0 ? round2(turnsPerSec / bareTurnsPerSec) : 0;
  const p50Ms = r.ours.latency.percentileMs(50);
  const p95Ms = r.ours.latency.percentileMs(95);
  const p99Ms = r.ours.latency.percentileMs(99);
  const bareP95Ms = r.bare.latency.percentileMs(95);
  const overheadP95Ms = round2(p95Ms - bareP95Ms);
  const expected = r.sessions * r.turns;
  const allCommitted = r.ours.committed === expected && r.bare.committed === expected;
  const goalMet = allCommitted && (r.pace === 'zero' ? ratio >= GOAL_RATIO && overheadP95Ms <= GOAL_OVERHEAD_P95_MS : p95Ms < GOAL_REAL_P95_MS);
  const figures = {
    scenario: 'turn',
    sessions: r.sessions,
    turnsPerSec,
    bareTurnsPerSec,
    ratio,
    p50Ms,
    p95Ms,
    p99Ms,
    bareP95Ms,
    overheadP95Ms,
    turns: r.turns,
    pace: r.pace === 'zero' ? '0' : 'real',
    workers: r.workers,
    committed: r.ours.committed,
    bareCommitted: r.bare.committed,
    failed: r.ours.failed,
    bareFailed: r.bare.failed,
    chunks: r.ours.chunks,
    bareP50Ms: r.bare.latency.percentileMs(50),
    bareP99Ms: r.bare.latency.percentileMs(99),
    serverP50Ms: r.ours.serverMs?.percentileMs(50) ?? NaN,
    serverP95Ms: r.ours.serverMs?.percentileMs(95) ?? NaN,
    wallMs: Math.round(r.ours.wallMs),
    bareWallMs: Math.round(r.bare.wallMs),
    runMs: r.runMs,
    blockedAfterMs: process.env.BENCH_BLOCKED_AFTER_MS === undefined ? 'default' : Number(process.env.BENCH_BLOCKED_AFTER_MS),
  };
  const row = (name: string, s: SideResult, tps: number) => [name, s.committed, failures(s), tps, s.latency.percentileMs(50), s.latency.percentileMs(95), s.latency.percentileMs(99)];
  return {
    figures,
    goal: goalText(r.pace),
    goalMet,
    table: {
      head: ['side', 'committed', 'failed', 'turns/s', 'p50 ms', 'p95 ms', 'p99 ms'],
      rows: [
        row('node + gateway (send → turn-committed)', r.ours, turnsPerSec),
        row('bare turn graph (run → outcome)', r.bare, bareTurnsPerSec),
        ['session (turn-committed.ms: acceptance → commit)', '', '', '', figures.serverP50Ms, figures.serverP95Ms, r.ours.serverMs?.percentileMs(99) ?? NaN],
      ],
    },
    bars: [
      { label: 'node + gateway', value: turnsPerSec },
      { label: 'bare graph', value: bareTurnsPerSec },
    ],
    unit: 'turns/s',
    plot: `ratio ${ratio} (goal >= ${GOAL_RATIO} at pace 0), p95 overhead ${overheadP95Ms} ms; ${r.sessions} sessions × ${r.turns} turns, ${r.workers} workers`,
  };
}
