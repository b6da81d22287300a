// Latency percentiles of one HDR histogram (µs) in milliseconds: the shape of the run's whole
// latency and of every hop kind's. Apart from result.ts so that hop-report.ts, which result.ts
// builds on, can use it without importing its own caller.
import type hdr from 'hdr-histogram-js';
import { z } from 'zod';

export const LatencyFigures = z.object({ count: z.number(), p50: z.number(), p90: z.number(), p99: z.number(), p999: z.number(), max: z.number(), mean: z.number() });
export type LatencyFigures = z.infer<typeof LatencyFigures>;

/** A histogram value (µs) in ms, to the µs. */
export const usToMs = (us: number): number => Math.round(us) / 1000;

export function latencyFigures(h: hdr.Histogram): LatencyFigures {
  const q = (p: number): number => (h.totalCount === 0 ? 0 : usToMs(h.getValueAtPercentile(p)));
  return { count: h.totalCount, p50: q(50), p90: q(90), p99: q(99), p999: q(99.9), max: h.totalCount === 0 ? 0 : usToMs(h.maxValue), mean: h.totalCount === 0 ? 0 : usToMs(h.mean) };
}
