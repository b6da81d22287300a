// The latency phase of the cross-node scenario: each side's slices pooled, their percentiles, and
// the one-way latency distribution drawn side by side.
import type { PingTiming } from './actors/cluster-actors.js';
import { median } from '../support/report.js';
import { summarize } from './cluster-helpers.js';

/** One side's latency slices, pooled. */
export interface Side {
  /** One-way latency of every ping (read from node B), every pong (at A), and round trips, µs. */
  pingUs: Float64Array[];
  pongUs: Float64Array[];
  roundTripUs: Float64Array[];
  /** Pings per second achieved in each slice (first ping to last pong). */
  achieved: number[];
}

export function emptySide(): Side {
  return { pingUs: [], pongUs: [], roundTripUs: [], achieved: [] };
}

export function addSlice(side: Side, timing: PingTiming, pingUs: Float64Array, total: number, name: string): void {
  if (pingUs.length !== total || timing.pongs !== total || timing.strays > 0) {
    throw new Error(`${name}: ${pingUs.length} pings and ${timing.pongs} pongs seen (${timing.strays} strays), ${total} sent`);
  }
  side.pingUs.push(pingUs);
  side.pongUs.push(timing.pongLatencyUs);
  side.roundTripUs.push(timing.roundTripUs);
  side.achieved.push(Math.round(timing.pings / (timing.elapsedMs / 1000)));
}

export function summarizeLatency(latency: { ours: Side; baseline: Side }) {
  const one = (s: Side) => ({
    oneWay: summarize(...s.pingUs, ...s.pongUs),
    ping: summarize(...s.pingUs),
    pong: summarize(...s.pongUs),
    roundTrip: summarize(...s.roundTripUs),
    achievedPingsPerSec: Math.round(median(s.achieved)),
    achievedPerSlice: s.achieved,
  });
  return { ours: one(latency.ours), baseline: one(latency.baseline) };
}

/** Share of one-way latencies per power-of-two bucket (ms), ours and baseline side by side. */
export function latencyPlot(latency: { ours: Side; baseline: Side }): string {
  const values = (s: Side): number[] => [...s.pingUs, ...s.pongUs].flatMap((a) => [...a]);
  const o = values(latency.ours);
  const g = values(latency.baseline);
  let maxMs = 0;
  for (const v of o) maxMs = Math.max(maxMs, v / 1000);
  for (const v of g) maxMs = Math.max(maxMs, v / 1000);
  const bounds: number[] = [];
  for (let b = 0.125; ; b *= 2) {
    bounds.push(b);
    if (b >= maxMs) break;
  }
  const share = (vs: number[]): number[] => {
    const counts = bounds.map(() => 0);
    for (const v of vs) {
      const i = bounds.findIndex((b) => v / 1000 <= b);
      counts[i < 0 ? bounds.length - 1 : i]++;
    }
    return counts.map((c) => (vs.length === 0 ? 0 : c / vs.length));
  };
  const so = share(o);
  const sg = share(g);
  const width = 30;
  const bar = (x: number): string => '\u2588'.repeat(Math.round(x * width)).padEnd(width);
  const lines = ['one-way latency, pings and pongs (share per bucket)', `${'≤ ms'.padStart(8)}  ${'ours'.padEnd(width + 7)}  raw streams`];
  const first = Math.max(0, Math.min(...[so.findIndex((x) => x > 0), sg.findIndex((x) => x > 0)].filter((i) => i >= 0)));
  for (let i = first; i < bounds.length; i++) {
    lines.push(`${String(bounds[i]).padStart(8)}  ${bar(so[i])} ${(so[i] * 100).toFixed(1).padStart(5)}%  ${bar(sg[i])} ${(sg[i] * 100).toFixed(1).padStart(5)}%`);
  }
  return lines.join('\n');
}
