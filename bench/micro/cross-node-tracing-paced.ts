// The paced variant of the cross-node tracing comparison (`--tracing both`, bench/micro/cross-node-tracing.ts).
//
// The closed loop runs both pairs as fast as they go, where any latency tracing adds shrinks the
// transport's Redis batches and raises the CPU of every message on both nodes, traced or not. Here
// both pairs are offered the same fixed rate instead: node A's main thread kicks chains at a fixed
// rate (a 1 ms timer sends what is due, each kick inside an edge span, a trace root sampled at
// 10 % as in the closed loop), and each chain is PACED_CHAIN pings long (each ping sent by the
// previous one's pong), about what a closed-loop chain carries (20,000 pings over a window of
// 1,024), so a sampled trace has as many spans per message as there. The figure is the same:
// messages per CPU-second of each pair's two processes over its measured phase, alternating
// ABBA, on the same fresh pairs of pairs, geometric mean of their ratios. Valid only if both pairs
// sustain the rate: every round must deliver every message (checked) at no less than
// 1 - PACED_TOLERANCE of the offered rate (reported as `sustained`, with the slowest round's share).
import type { RunTiming } from './actors/bench-actors.js';
import type { PingRun, PingTiming } from './actors/cluster-actors.js';
import type { NodeProcess } from './cluster-helpers.js';
import { cpuRound, crossNodeTracing, type CpuRound, type CrossNodeTracing, type TracingHalf, type TracingSide } from './cross-node-tracing.js';
import type { Pair } from './cross-node-pair.js';
import { TRACING_MAX_COST } from '../support/tracing.js';

/** Pings per chain of a paced round (each chain: one kick, a trace root when sampled). */
export const PACED_CHAIN = 20;
/** Length of a paced round at the offered rate. */
export const PACED_ROUND_MS = 2_000;
/** A round slower than (1 - this) x the offered rate did not sustain it. */
export const PACED_TOLERANCE = 0.1;

export interface PacedPlan {
  /** Pings per second offered (each answered: twice as many messages). */
  readonly pingsPerSec: number;
  readonly pingsPerRound: number;
  readonly kicksPerRound: number;
  readonly kicksPerSec: number;
}

export function pacedPlan(pingsPerSec: number): PacedPlan {
  const kicksPerRound = Math.max(1, Math.round((pingsPerSec * PACED_ROUND_MS) / 1000 / PACED_CHAIN));
  return { pingsPerSec, pingsPerRound: kicksPerRound * PACED_CHAIN, kicksPerRound, kicksPerSec: pingsPerSec / PACED_CHAIN };
}

/** What a paced round answers (bench/micro/cluster-process.ts `xn-ping-paced`). */
interface PacedTiming {
  readonly pings: number;
  readonly pongs: number;
  readonly elapsedMs: number;
  readonly strays: number;
  readonly kickLagMs: number;
  readonly medianRoundTripMs: number;
}

/** A paced round's CPU and its delivered / offered rate. */
export interface PacedRound extends CpuRound {
  readonly shareOfOffered: number;
  readonly medianRoundTripMs: number;
}

/**
 * Delivered pings per second of a round (from its start to its last pong) over the offered rate.
 * A little under 1 when the pair keeps up (the last chain kicked on schedule ends PACED_CHAIN
 * round trips later); far under it, with round trips of tens of ms, when it does not.
 */
function shareOfOffered(t: PacedTiming, plan: PacedPlan): number {
  return t.elapsedMs > 0 ? t.pings / (t.elapsedMs / 1000) / plan.pingsPerSec : 0;
}

/** A side of the paced comparison on `pair`: its rounds, and its processes' CPU so far. */
export function pacedSide(pair: Pair, plan: PacedPlan, timeoutMs: number): TracingSide {
  const [a] = pair.procs;
  const run: PingRun = { targets: pair.actors.targets, total: plan.pingsPerRound, window: plan.pingsPerRound, rate: 0, kicked: true, chain: PACED_CHAIN };
  const round = async (): Promise<PacedRound> => {
    let timing: PacedTiming | undefined;
    const cpu = await cpuRound(pair.procs, async (): Promise<RunTiming> => {
      const t = await a.request<PacedTiming>('xn-ping-paced', { pinger: pair.actors.pinger, waiter: pair.actors.waiter, run, kicks: plan.kicksPerRound, kicksPerSec: plan.kicksPerSec, timeoutMs }, timeoutMs + 5_000);
      if (t.strays > 0) throw new Error(`pongs of another run arrived in a paced tracing round (${t.strays})`);
      timing = t;
      return { chains: t.pongs, handled: t.pings + t.pongs, elapsedMs: t.elapsedMs };
    });
    return { ...cpu, shareOfOffered: shareOfOffered(timing!, plan), medianRoundTripMs: timing!.medianRoundTripMs };
  };
  return {
    round,
    cpuMicros: async (): Promise<number> => (await Promise.all(pair.procs.map((p: NodeProcess) => p.cpuMicros()))).reduce((x, y) => x + y, 0),
  };
}

export interface PacedTracing extends Omit<CrossNodeTracing, 'mode'> {
  readonly mode: 'both';
  readonly loop: 'paced';
  readonly offeredPingsPerSec: number;
  readonly offeredMsgsPerSec: number;
  readonly pingsPerChain: number;
  /** Delivered / offered rate of each side's slowest and median measured round (see shareOfOffered), and the median of the rounds' median round trips. */
  readonly untracedShareOfOffered: { readonly min: number; readonly median: number; readonly medianRoundTripMs: number };
  readonly tracedShareOfOffered: { readonly min: number; readonly median: number; readonly medianRoundTripMs: number };
  /** Every measured round of both sides delivered every message at >= 1 - tolerance of the offered rate. */
  readonly sustained: boolean;
  readonly tolerance: number;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

function shares(rounds: readonly CpuRound[]): { min: number; median: number; medianRoundTripMs: number } {
  const paced = rounds as readonly PacedRound[];
  const s = paced.map((r) => r.shareOfOffered).sort((x, y) => x - y);
  const rtt = paced.map((r) => r.medianRoundTripMs).sort((x, y) => x - y);
  const mid = <T>(xs: T[]): T | undefined => xs[Math.floor(xs.length / 2)];
  return { min: r3(s[0] ?? 0), median: r3(mid(s) ?? 0), medianRoundTripMs: r3(mid(rtt) ?? 0) };
}

export function pacedTracing(halves: readonly TracingHalf[], spansReceived: number, plan: PacedPlan): PacedTracing {
  const t = crossNodeTracing(halves, spansReceived);
  const untraced = shares(halves.flatMap((h) => h.outcome.untraced));
  const traced = shares(halves.flatMap((h) => h.outcome.traced));
  const sustained = Math.min(untraced.min, traced.min) >= 1 - PACED_TOLERANCE;
  return {
    ...t,
    loop: 'paced',
    // Not met when the rate was not sustained: the figure would not be the one asked for.
    goalMet: t.goalMet && sustained,
    offeredPingsPerSec: plan.pingsPerSec,
    offeredMsgsPerSec: 2 * plan.pingsPerSec,
    pingsPerChain: PACED_CHAIN,
    untracedShareOfOffered: untraced,
    tracedShareOfOffered: traced,
    sustained,
    tolerance: PACED_TOLERANCE,
  };
}

/** Rows for the scenario's table (columns: label, ours, raw streams, ratio / goal, met?). */
export function pacedRows(p: PacedTracing): (string | number)[][] {
  const spread = p.roundRatios.length === 0 ? '' : ` (rounds ${Math.min(...p.roundRatios)}–${Math.max(...p.roundRatios)})`;
  const at = `paced ${p.offeredPingsPerSec} pings/s`;
  return [
    [`tracing ${at}: untraced msg per CPU-s`, p.untracedPerCpuSec, '', '', ''],
    [`tracing ${at}: traced msg per CPU-s`, p.tracedPerCpuSec, '', `${p.ratio}${spread}`, ''],
    ...p.halves.map((h) => [`tracing ${at}: ${h.order}, traced / untraced`, `${h.tracedPerCpuSec} / ${h.untracedPerCpuSec}`, '', h.ratio, '']),
    [
      `tracing ${at}: delivered / offered (min, median)`,
      `untraced ${p.untracedShareOfOffered.min}, ${p.untracedShareOfOffered.median} (rtt ${p.untracedShareOfOffered.medianRoundTripMs} ms); traced ${p.tracedShareOfOffered.min}, ${p.tracedShareOfOffered.median} (rtt ${p.tracedShareOfOffered.medianRoundTripMs} ms)`,
      '',
      `≥ ${1 - p.tolerance}`,
      p.sustained ? 'sustained' : 'NOT SUSTAINED',
    ],
    [`tracing goal ${at} (geometric mean of the halves)`, `${p.spansReceived} spans in the phases`, '', `≥ ${1 - TRACING_MAX_COST}`, p.goalMet ? 'yes' : 'NO'],
  ];
}
