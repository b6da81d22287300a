// The failover scenario's result: the table, the bars and the timeline of acknowledged adds
// around the kill.
import { formatNumber, type ScenarioResult } from '../support/report.js';
import type { OptionValues } from '../support/scenario.js';
import type { FeedOutcome } from './failover-helpers.js';

export const GOAL_RECOVERY_MS = 3_000;

export function countBetween(times: Float64Array, from: number, to: number): number {
  let n = 0;
  for (const t of times) if (t >= from && t < to) n++;
  return n;
}

export type Figures = Record<string, unknown> & {
  scenario: string;
  actors: number;
  nodeKillRecoveryMs: number | null;
  lost: number;
  duplicated: number;
  heartbeatMs: number;
  downAfterMs: number;
};

export function failoverReport(figures: Figures, feed: FeedOutcome, killedAt: number, recoveryMs: number | null, options: OptionValues): ScenarioResult {
  const recoveryMet = recoveryMs !== null && recoveryMs < GOAL_RECOVERY_MS;
  const yes = (met: boolean): string => (met ? 'yes' : 'NO');
  const f = figures as Figures & Record<string, any>;
  const rows: (string | number)[][] = [
    ['actors (on A / B / C)', `${f.actors} (${f.actorsPerNode.a} / ${f.actorsPerNode.b} / ${f.actorsPerNode.c})`, `heartbeat ${f.heartbeatMs} ms, down after ${f.downAfterMs} ms`, '', ''],
    ['C declared down, seen by A / B', `+${f.downSeenByAMs ?? '—'} / +${f.downSeenByBMs ?? '—'} ms`, '', '', ''],
    ["C's actors answering: first / median / last", `+${f.victimFirstAnswerMs} / +${f.victimAnswerP50Ms} / +${f.victimLastAnswerMs} ms`, `${f.pollAsks} poll asks`, '', ''],
    ["A's and B's actors: last to answer", `+${f.survivorsLastAnswerMs} ms`, '', '', ''],
    ['every actor answering again (from SIGKILL)', recoveryMs === null ? `${f.unanswered} never answered` : `${formatNumber(recoveryMs)} ms`, '', `< ${GOAL_RECOVERY_MS} ms`, yes(recoveryMet)],
    ['acknowledged adds lost', f.lost, `of ${f.acked} acknowledged`, '0', yes(f.lost === 0)],
    ['acknowledged adds applied twice or more', f.duplicated, '', '0', yes(f.duplicated === 0)],
    ['failed adds (applied anyway)', `${f.unacked} (${f.appliedUnacked})`, Object.entries(f.addFailures).map(([k, v]) => `${k} ${v}`).join(', ') || '—', '', ''],
    ['adds/s before the kill', f.addsPerSecBeforeKill, '', '', ''],
  ];
  if (f.foreign > 0 || f.unreadable > 0) rows.push(['invalid: foreign ops / unreadable states', `${f.foreign} / ${f.unreadable}`, '', '0', 'NO']);
  const goalMet = recoveryMet && f.lost === 0 && f.duplicated === 0 && f.foreign === 0 && f.unreadable === 0;
  return {
    figures,
    goal: `recovery < ${GOAL_RECOVERY_MS} ms, lost = 0, duplicated = 0 (heartbeat ${f.heartbeatMs} ms, down after ${f.downAfterMs} ms)`,
    goalMet,
    table: { head: ['measure', 'value', 'detail', 'goal', 'met?'], rows },
    bars: [
      { label: 'C declared down (A)', value: f.downSeenByAMs ?? 0 },
      { label: "C's first actor back", value: f.victimFirstAnswerMs },
      { label: "C's median actor back", value: f.victimAnswerP50Ms },
      { label: 'every actor back', value: recoveryMs ?? 0 },
      { label: 'goal', value: GOAL_RECOVERY_MS },
    ],
    unit: 'ms after SIGKILL',
    plot: timeline(feed, killedAt, recoveryMs, f.downSeenByAMs as number | null, options),
  };
}

/** Acknowledged adds per 250 ms around the kill, one line per slice. */
function timeline(feed: FeedOutcome, killedAt: number, recoveryMs: number | null, downMs: number | null, options: OptionValues): string {
  const step = 250;
  const from = Math.max(feed.startedAt, killedAt - 1_000);
  const slices: number[] = [];
  for (let t = from; t < feed.stoppedAt; t += step) slices.push(countBetween(feed.ackTimes, t, t + step));
  const max = Math.max(1, ...slices);
  const width = 40;
  const lines = [`acknowledged adds per ${step} ms (from node A, ${options.actors} counters, one add in flight per counter)`];
  slices.forEach((count, i) => {
    const start = Math.round(from + i * step - killedAt);
    const marks: string[] = [];
    const within = (ms: number | null): boolean => ms !== null && ms >= start && ms < start + step;
    if (within(0)) marks.push('← SIGKILL C');
    if (within(downMs)) marks.push('← C declared down');
    if (within(recoveryMs)) marks.push('← every actor answers');
    lines.push(`${`${start >= 0 ? '+' : ''}${start} ms`.padStart(10)}  ${'\u2588'.repeat(Math.round((count / max) * width)).padEnd(width)} ${String(count).padStart(5)} ${marks.join(' ')}`);
  });
  return lines.join('\n');
}
