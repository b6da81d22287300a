// The cost of tracing in the cross-node scenario (`--tracing on|both`, bench/support/tracing.ts):
// the same closed-loop ping/pong rounds between two node processes untraced and traced (OTLP/HTTP
// to the bench's sink, 10 % of the traces sampled at their root), compared by messages per
// CPU-second of the two node processes over the measured phase, in the same run, rounds alternating ABBA.
//
// Traced rounds start each chain of the window with a `kick` from node A's main thread inside an
// edge span (bench/micro/cluster-process.ts `xn-ping-kicked`): every chain is a trace whose root is
// sampled on its own, so about 10 % of the pings and pongs carry a sampled trace (an actor span on
// each side and a stream-send span per message), as 10 % of the gateway frames would in production.
// The untraced rounds of the comparison are kicked the same way, so the two differ only by tracing.
import type { RunTiming } from './actors/bench-actors.js';
import type { NodeProcess } from './cluster-helpers.js';
import type { Progress } from '../support/progress.js';
import { formatNumber, median } from '../support/report.js';
import { TRACING_MAX_COST, tracingFigures, type TracingFigures } from '../support/tracing.js';

/** One measured round: messages handled, its wall time and the CPU time of the node processes. */
export interface CpuRound {
  readonly handled: number;
  readonly elapsedMs: number;
  /** CPU of every node process of the side (all their threads) over the round, ms. */
  readonly cpuMs: number;
}

export type CpuSide = () => Promise<CpuRound>;

/** One side of the comparison: a measured round, and the CPU time of its processes so far (µs). */
export interface TracingSide {
  readonly round: CpuSide;
  readonly cpuMicros: () => Promise<number>;
}

/**
 * After the last round, before the phase's CPU is read: longer than the BatchSpanProcessor's
 * export delay (OTEL_BSP_SCHEDULE_DELAY, 5 s by default), so the traced side's last export is in it.
 */
export const SETTLE_MS = 6_000;

/** Messages (pings + pongs) per CPU-second of a round. */
export function perCpuSec(r: CpuRound): number {
  return r.cpuMs > 0 ? r.handled / (r.cpuMs / 1000) : 0;
}

/** Messages per wall-clock second of a round. */
export function perSec(r: CpuRound): number {
  return r.elapsedMs > 0 ? r.handled / (r.elapsedMs / 1000) : 0;
}

/** Runs `run` and reads the CPU time of `procs` around it (the IPC of the reads is outside the run). */
export async function cpuRound(procs: readonly NodeProcess[], run: () => Promise<RunTiming>): Promise<CpuRound> {
  const before = await Promise.all(procs.map((p) => p.cpuMicros()));
  const timing = await run();
  const after = await Promise.all(procs.map((p) => p.cpuMicros()));
  const cpuMs = after.reduce((s, a, i) => s + (a - before[i]), 0) / 1000;
  return { handled: timing.handled, elapsedMs: timing.elapsedMs, cpuMs };
}

export interface TracingOutcome {
  readonly untraced: readonly CpuRound[];
  readonly traced: readonly CpuRound[];
  /**
   * CPU of each side's processes over the whole measured phase (first round to SETTLE_MS after the
   * last), ms: a traced process exports its spans in batches every few seconds, often while the
   * other side's round runs, which a round's own CPU would miss.
   */
  readonly phaseCpuMs: { readonly untraced: number; readonly traced: number };
}

/** Warm-up rounds of both sides, then measured rounds alternating untraced/traced in ABBA order. */
export async function alternateTracing(untraced: TracingSide, traced: TracingSide, expected: number, rounds: number, warmup: number, progress: Progress, settleMs = SETTLE_MS): Promise<TracingOutcome> {
  const check = (r: CpuRound): CpuRound => {
    if (r.handled !== expected) throw new Error(`a tracing round handled ${r.handled} messages, expected ${expected}`);
    return r;
  };
  progress.begin('tracing: warm-up (untraced, traced)', warmup * 2);
  for (let i = 0; i < warmup; i++) {
    check(await untraced.round());
    progress.tick();
    check(await traced.round());
    progress.tick();
  }
  const out = { untraced: [] as CpuRound[], traced: [] as CpuRound[] };
  const cpuAt = (): Promise<number[]> => Promise.all([untraced.cpuMicros(), traced.cpuMicros()]);
  const before = await cpuAt();
  progress.begin('tracing: rounds untraced vs traced (10 % sampled), msg per CPU-s', rounds * 2);
  for (let i = 0; i < rounds; i++) {
    const order: [CpuSide, CpuRound[], string][] = [
      [untraced.round, out.untraced, 'untraced'],
      [traced.round, out.traced, 'traced'],
    ];
    if (i % 2 === 1) order.reverse();
    for (const [side, into, name] of order) {
      into.push(check(await side()));
      progress.tick(`${name} ${formatNumber(Math.round(perCpuSec(into[into.length - 1])))} msg/CPU-s`);
    }
  }
  progress.begin(`tracing: ${settleMs / 1000} s for the last span export`, 1);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const after = await cpuAt();
  progress.tick();
  return { ...out, phaseCpuMs: { untraced: (after[0] - before[0]) / 1000, traced: (after[1] - before[1]) / 1000 } };
}

/**
 * The `tracing` figures of the JSON: messages per CPU-second of each pair over the measured phase
 * (the ratio is theirs), the same per round (each round's own CPU: the spread, missing exports that
 * fell outside it), wall rates, spans.
 */
export interface CrossNodeTracing extends TracingFigures {
  readonly mode: 'both';
  readonly unit: 'messages per CPU-second of the two node processes';
  readonly phaseCpuMs: { readonly untraced: number; readonly traced: number };
  readonly untracedPerRound: readonly number[];
  readonly tracedPerRound: readonly number[];
  /** traced / untraced of the rounds run next to each other (round i of each side), each round's own CPU. */
  readonly roundRatios: readonly number[];
  readonly untracedMsgsPerSec: number;
  readonly tracedMsgsPerSec: number;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

export function crossNodeTracing(outcome: TracingOutcome, spansReceived: number): CrossNodeTracing {
  const untracedPerRound = outcome.untraced.map((r) => Math.round(perCpuSec(r)));
  const tracedPerRound = outcome.traced.map((r) => Math.round(perCpuSec(r)));
  const phase = (rounds: readonly CpuRound[], cpuMs: number): number => Math.round(perCpuSec({ handled: rounds.reduce((n, r) => n + r.handled, 0), elapsedMs: 0, cpuMs }));
  const t = tracingFigures(phase(outcome.untraced, outcome.phaseCpuMs.untraced), phase(outcome.traced, outcome.phaseCpuMs.traced), spansReceived);
  return {
    mode: 'both',
    ...t,
    unit: 'messages per CPU-second of the two node processes',
    phaseCpuMs: { untraced: Math.round(outcome.phaseCpuMs.untraced), traced: Math.round(outcome.phaseCpuMs.traced) },
    untracedPerRound,
    tracedPerRound,
    roundRatios: tracedPerRound.map((v, i) => (untracedPerRound[i] > 0 ? r3(v / untracedPerRound[i]) : 0)),
    untracedMsgsPerSec: Math.round(median(outcome.untraced.map(perSec))),
    tracedMsgsPerSec: Math.round(median(outcome.traced.map(perSec))),
  };
}

/** Rows for the scenario's table (columns: label, ours, raw streams, ratio / goal, met?). */
export function tracingRows(t: CrossNodeTracing): (string | number)[][] {
  const spread = t.roundRatios.length === 0 ? '' : ` (rounds ${Math.min(...t.roundRatios)}–${Math.max(...t.roundRatios)})`;
  return [
    ['tracing: untraced msg per CPU-s (phase)', t.untracedPerCpuSec, '', '', ''],
    [`tracing: traced msg per CPU-s (${t.sampleRatio * 100} % sampled)`, t.tracedPerCpuSec, '', `${t.ratio}${spread}`, ''],
    ['tracing goal (traced / untraced)', `${t.spansReceived} spans exported`, '', `≥ ${1 - TRACING_MAX_COST}`, t.goalMet ? 'yes' : 'NO'],
  ];
}
