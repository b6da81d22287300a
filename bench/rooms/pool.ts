// A side's figures in the rooms scenario, pooled from its slices.
import hdr from 'hdr-histogram-js';
import type { SideFigures, Slice, ThreadSplit } from './report.js';

/** Pools slices of one side: deliveries over the summed windows, CPU over the summed CPU time. */
export function pool(slices: Slice[]): SideFigures {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  for (const s of slices) h.add(s.histogram);
  const deliveredPerSec = slices.reduce((a, s) => a + s.deliveredPerSec, 0) / slices.length;
  const cpuShare = slices.reduce((a, s) => a + s.serverCpuSec, 0) / slices.reduce((a, s) => a + s.serverWallSec, 0);
  const ms = (p: number): number => Math.round(h.getValueAtPercentile(p) / 10) / 100;
  const figures: SideFigures = {
    deliveredPerSec: Math.round(deliveredPerSec),
    serverCpuPct: Math.round(cpuShare * 1000) / 10,
    deliveredPerCpuSec: Math.round(deliveredPerSec / cpuShare),
    p50Ms: ms(50),
    p90Ms: ms(90),
    p99Ms: ms(99),
    p999Ms: ms(99.9),
    maxMs: Math.round(h.maxValue / 10) / 100,
    latencySamples: h.totalCount,
    undelivered: slices.reduce((a, s) => a + s.undelivered, 0),
    serverThreads: slices.every((s) => s.serverThreads !== null) ? averageSplit(slices.map((s) => s.serverThreads!)) : null,
    histogram: h,
  };
  return figures;
}

function averageSplit(list: ThreadSplit[]): ThreadSplit {
  const avg = (k: keyof ThreadSplit): number => Math.round((list.reduce((a, t) => a + t[k], 0) / list.length) * 10) / 10;
  return { mainPct: avg('mainPct'), nextPct: avg('nextPct'), restPct: avg('restPct') };
}
