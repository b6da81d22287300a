import type { RunTiming } from './actors/bench-actors.js';
import type { Progress } from '../support/progress.js';
import { formatNumber, median, type ScenarioResult } from '../support/report.js';

/** One side of a comparison: runs one round and answers with the timing measured in its worker. */
export type Side = () => Promise<RunTiming>;

export interface RoundsOutcome {
  /** Messages per second of each measured round, in the order they ran. */
  readonly ours: readonly number[];
  readonly baseline: readonly number[];
  readonly medianOurs: number;
  readonly medianBaseline: number;
  /** median(ours) / median(baseline). */
  readonly ratio: number;
  /** Hop messages one round handles (the same on both sides). */
  readonly handledPerRound: number;
}

function rate(timing: RunTiming, expected: number): number {
  if (timing.handled !== expected) throw new Error(`a round handled ${timing.handled} messages, expected ${expected}`);
  return timing.handled / (timing.elapsedMs / 1000);
}

/**
 * Warm-up rounds of both sides, then measured rounds alternating ours/baseline in ABBA order (the
 * side that goes first swaps every round), so that a slow spell of the shared machine hurts both
 * sides alike; the medians are compared.
 */
export async function alternate(ours: Side, baseline: Side, expected: number, rounds: number, warmup: number, progress: Progress): Promise<RoundsOutcome> {
  progress.begin('warm-up', warmup * 2);
  for (let i = 0; i < warmup; i++) {
    rate(await ours(), expected);
    progress.tick();
    rate(await baseline(), expected);
    progress.tick();
  }
  const oursRates: number[] = [];
  const baselineRates: number[] = [];
  progress.begin('rounds', rounds * 2);
  for (let i = 0; i < rounds; i++) {
    const order: [Side, number[], string][] = [
      [ours, oursRates, 'ours'],
      [baseline, baselineRates, 'baseline'],
    ];
    if (i % 2 === 1) order.reverse();
    for (const [side, into, name] of order) {
      into.push(rate(await side(), expected));
      progress.tick(`${name} ${formatNumber(into[into.length - 1])} msg/s`);
    }
  }
  const medianOurs = median(oursRates);
  const medianBaseline = median(baselineRates);
  return { ours: oursRates, baseline: baselineRates, medianOurs, medianBaseline, ratio: medianOurs / medianBaseline, handledPerRound: expected };
}

/** The report of a ratio scenario: figures, a per-round table, ours vs baseline bars. */
export function ratioResult(scenario: string, outcome: RoundsOutcome, goalRatio: number, baselineName: string, extra: Record<string, unknown>): ScenarioResult {
  const ratio = Math.round(outcome.ratio * 1000) / 1000;
  const rows: (string | number)[][] = outcome.ours.map((o, i) => [`round ${i + 1}`, Math.round(o), Math.round(outcome.baseline[i]), o / outcome.baseline[i]]);
  rows.push(['median', Math.round(outcome.medianOurs), Math.round(outcome.medianBaseline), ratio]);
  return {
    figures: {
      scenario,
      msgsPerSec: Math.round(outcome.medianOurs),
      baselineMsgsPerSec: Math.round(outcome.medianBaseline),
      ratio,
      rounds: outcome.ours.length,
      messagesPerRound: outcome.handledPerRound,
      oursPerRound: outcome.ours.map(Math.round),
      baselinePerRound: outcome.baseline.map(Math.round),
      ...extra,
    },
    goal: `ratio >= ${goalRatio}`,
    goalMet: ratio >= goalRatio,
    table: { head: ['', 'ours msg/s', `${baselineName} msg/s`, 'ratio'], rows },
    bars: [
      { label: 'ours (median)', value: Math.round(outcome.medianOurs) },
      { label: `${baselineName} (median)`, value: Math.round(outcome.medianBaseline) },
    ],
    unit: 'msg/s',
    series: outcome.ours,
  };
}
