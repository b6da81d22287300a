// The cost of tracing in the cross-node scenario (`--tracing on|both`, bench/support/tracing.ts):
// the same closed-loop ping/pong rounds between two node processes untraced and traced (OTLP/HTTP
// to the bench's sink, 10 % of the traces sampled at their root), compared by messages per
// CPU-second of the two node processes over the measured phase, in the same run, rounds alternating ABBA.
//
// Traced rounds start each chain of the window with a `kick` from node A's main thread inside an
// edge span (bench/micro/cluster-process.ts `xn-ping-kicked`): every chain is a trace whose root is
// sampled on its own, so about 10 % of the pings and pongs carry a sampled trace (an actor span on
// the receiving side per message), as 10 % of the gateway frames would in production. The
// untraced rounds of the comparison are kicked the same way, so the two differ only by tracing.
//
// Two fresh pairs of node processes running the same thing differ by much more than the goal's
// 10 %, in either direction (A/A runs, both untraced: 0.87, 0.88 and 1.15, then 1.35 and 0.82 in
// one run): the phase runs on TRACING_HALVES fresh pairs of pairs, the start order alternating
// (the untraced pair first, then the traced one first: TRACING_START_ORDERS), and the figure is
// the geometric mean of their ratios, in which a pair's luck and the start order average out.
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

/** Which pair of a half is started first; the halves alternate. */
export const TRACING_START_ORDERS = ['untraced first', 'traced first'] as const;
export type TracingStartOrder = (typeof TRACING_START_ORDERS)[number];
/** Fresh pairs of pairs the phase runs on (each about 25 s at 7 rounds). */
export const TRACING_HALVES = 4;

/** The start order of each half: alternating, the untraced pair first in the first. */
export function tracingHalfOrders(halves = TRACING_HALVES): TracingStartOrder[] {
  return Array.from({ length: halves }, (_, i) => TRACING_START_ORDERS[i % 2]);
}

export interface TracingHalf {
  readonly order: TracingStartOrder;
  readonly outcome: TracingOutcome;
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

/** One half's figures (a half: one untraced and one traced fresh pair): its start order, the ratio of its phase, its pairs' rates and round ratios. */
export interface CrossNodeTracingHalf {
  readonly order: TracingStartOrder;
  readonly ratio: number;
  readonly untracedPerCpuSec: number;
  readonly tracedPerCpuSec: number;
  readonly phaseCpuMs: { readonly untraced: number; readonly traced: number };
  readonly roundRatios: readonly number[];
}

/**
 * The `tracing` figures of the JSON: the ratio is the geometric mean of the halves' ratios (each
 * half: messages per CPU-second of each of its two pairs over its measured phase); the rates beside it are
 * pooled over the halves; per round (each round's own CPU: the spread, missing exports that fell
 * outside it), wall rates, spans.
 */
export interface CrossNodeTracing extends TracingFigures {
  readonly mode: 'both';
  readonly unit: 'messages per CPU-second of the two node processes';
  readonly halves: readonly CrossNodeTracingHalf[];
  readonly phaseCpuMs: { readonly untraced: number; readonly traced: number };
  readonly untracedPerRound: readonly number[];
  readonly tracedPerRound: readonly number[];
  /** traced / untraced of the rounds run next to each other (round i of each side), each round's own CPU. */
  readonly roundRatios: readonly number[];
  readonly untracedMsgsPerSec: number;
  readonly tracedMsgsPerSec: number;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

const handledOf = (rounds: readonly CpuRound[]): number => rounds.reduce((n, r) => n + r.handled, 0);
const phaseRate = (rounds: readonly CpuRound[], cpuMs: number): number => Math.round(perCpuSec({ handled: handledOf(rounds), elapsedMs: 0, cpuMs }));

function half(h: TracingHalf): CrossNodeTracingHalf {
  const o = h.outcome;
  const untracedPerCpuSec = phaseRate(o.untraced, o.phaseCpuMs.untraced);
  const tracedPerCpuSec = phaseRate(o.traced, o.phaseCpuMs.traced);
  const roundRatios = o.traced.map((r, i) => {
    const u = Math.round(perCpuSec(o.untraced[i]));
    return u > 0 ? r3(Math.round(perCpuSec(r)) / u) : 0;
  });
  return {
    order: h.order,
    ratio: untracedPerCpuSec > 0 ? r3(tracedPerCpuSec / untracedPerCpuSec) : 0,
    untracedPerCpuSec,
    tracedPerCpuSec,
    phaseCpuMs: { untraced: Math.round(o.phaseCpuMs.untraced), traced: Math.round(o.phaseCpuMs.traced) },
    roundRatios,
  };
}

export function crossNodeTracing(halves: readonly TracingHalf[], spansReceived: number): CrossNodeTracing {
  if (halves.length === 0) throw new Error('no tracing half was measured');
  const untraced = halves.flatMap((h) => h.outcome.untraced);
  const traced = halves.flatMap((h) => h.outcome.traced);
  const cpu = { untraced: halves.reduce((s, h) => s + h.outcome.phaseCpuMs.untraced, 0), traced: halves.reduce((s, h) => s + h.outcome.phaseCpuMs.traced, 0) };
  const t = tracingFigures(phaseRate(untraced, cpu.untraced), phaseRate(traced, cpu.traced), spansReceived);
  const figures = halves.map(half);
  // The geometric mean: an advantage that multiplies one half's ratio and divides another's cancels.
  const ratio = figures.some((f) => f.ratio === 0) ? 0 : r3(Math.exp(figures.reduce((s, f) => s + Math.log(f.ratio), 0) / figures.length));
  return {
    mode: 'both',
    ...t,
    ratio,
    goalMet: ratio >= 1 - TRACING_MAX_COST,
    unit: 'messages per CPU-second of the two node processes',
    halves: figures,
    phaseCpuMs: { untraced: Math.round(cpu.untraced), traced: Math.round(cpu.traced) },
    untracedPerRound: untraced.map((r) => Math.round(perCpuSec(r))),
    tracedPerRound: traced.map((r) => Math.round(perCpuSec(r))),
    roundRatios: figures.flatMap((f) => f.roundRatios),
    untracedMsgsPerSec: Math.round(median(untraced.map(perSec))),
    tracedMsgsPerSec: Math.round(median(traced.map(perSec))),
  };
}

/** Rows for the scenario's table (columns: label, ours, raw streams, ratio / goal, met?). */
export function tracingRows(t: CrossNodeTracing): (string | number)[][] {
  const spread = t.roundRatios.length === 0 ? '' : ` (rounds ${Math.min(...t.roundRatios)}–${Math.max(...t.roundRatios)})`;
  return [
    ['tracing: untraced msg per CPU-s (phases)', t.untracedPerCpuSec, '', '', ''],
    [`tracing: traced msg per CPU-s (${t.sampleRatio * 100} % sampled)`, t.tracedPerCpuSec, '', `${t.ratio}${spread}`, ''],
    ...t.halves.map((h) => [`tracing: ${h.order}, traced / untraced`, `${formatNumber(h.tracedPerCpuSec)} / ${formatNumber(h.untracedPerCpuSec)}`, '', h.ratio, '']),
    ['tracing goal (traced / untraced, geometric mean of the halves)', `${t.spansReceived} spans exported`, '', `≥ ${1 - TRACING_MAX_COST}`, t.goalMet ? 'yes' : 'NO'],
  ];
}
