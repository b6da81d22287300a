// The JSON of one `glass bench run`: the scenario, the target, totals, hop latency percentiles,
// the timeline (per bucket) and the latency distribution. `glass bench compare` reads it back.
import hdr from 'hdr-histogram-js';
import { z } from 'zod';
import { machine } from '../../support/report.js';
import { hopsSection, moderationSection, type HopsSection, type ModerationSection } from './hop-report.js';
import { LatencyFigures, latencyFigures, usToMs } from './latency-figures.js';
import type { FaultReport } from '../faults/fault-report.js';
import type { RunResult } from '../traffic/player-process.js';
import type { ResourceReport } from '../resources/resource-series.js';
import type { LocalClusterInfo } from '../targets/run-target.js';
import type { LoadScenario } from '../scenario-file.js';
import { mergeTimelines, newHistogram } from '../traffic/timeline.js';

export const RESULT_KIND = 'glass-bench-load';

/** The fields `compare` needs; the rest of the file is for people and plots. */
export const LoadResultSummary = z.looseObject({
  kind: z.literal(RESULT_KIND),
  name: z.string(),
  totals: z.looseObject({
    sent: z.number(),
    delivered: z.number(),
    sentPerSec: z.number(),
    deliveredPerSec: z.number(),
    reconnects: z.number(),
    errors: z.record(z.string(), z.number()),
  }),
  latencyMs: LatencyFigures,
  // Version 2 on: per hop kind (bench/load/report/hop-report.ts); absent from version 1 files.
  hops: z.record(z.string(), z.object({ p99: z.number() })).optional(),
});
export type LoadResultSummary = z.infer<typeof LoadResultSummary>;

export interface TimelinePoint {
  /** Seconds from the start to the end of the bucket. */
  t: number;
  sentPerSec: number;
  deliveredPerSec: number;
  /** Hop latency of the lines received in the bucket (ms); null when none was. */
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export interface LoadResult extends LoadResultSummary {
  /** 2: `hops`, `moderation` and `totals.lost` added; `glass bench compare` reads 1 too. */
  version: 2;
  scenario: LoadScenario;
  /** `auditLog`: where the target's moderation audit log is (bench/load/report/hop-report.ts). */
  target: { url: string; local: boolean; auditLog?: string };
  startedAt: string;
  machine: ReturnType<typeof machine>;
  /** `backpressure`: turns refused by a full queue or a busy rules pool (by code), counted apart from errors. */
  totals: LoadResultSummary['totals'] & { replayed: number; resyncs: number; errorCount: number; maxSendLagMs: number; lost: number; backpressure: Record<string, number> };
  timeline: TimelinePoint[];
  /** Hop latency (ms) at each percentile, for the distribution plot. */
  distribution: { percentile: number; ms: number }[];
  /** CPU and memory of the local node's process (node, gateway and this harness's parent), with --local. */
  localNode?: { cpuPct: number; rssMb: number };
  /** The whole run's histogram (µs, HDR compressed base64), to merge or re-read. */
  histogram: string;
  /** Per hop kind exercised: sent, refused, count and latency percentiles (ms). */
  hops: HopsSection;
  /** Overrides sent, applied and refused, and player frames refused because of them. */
  moderation?: ModerationSection;

  // Nodes, resources and faults (set by command.ts after buildResult).
  /** The local cluster the harness started (--local --nodes N ≥ 2). */
  cluster?: LocalClusterInfo;
  /** CPU and memory of every node, load process (and the cluster's Redis and store), one sample per bucket. */
  resources?: ResourceReport;
  /** The faults injected, each with its dip and recovery time. */
  faults?: FaultReport[];
}

const DISTRIBUTION = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100];

export function buildResult(
  scenario: LoadScenario,
  target: { url: string; local: boolean; auditLog?: string },
  startedAt: number,
  results: readonly RunResult[],
  localNode?: { cpuPct: number; rssMb: number },
): LoadResult {
  const buckets = mergeTimelines(results.map((r) => r.timeline));
  const whole = newHistogram();
  for (const b of buckets) whole.add(b.histogram);
  const sum = (k: 'sent' | 'delivered' | 'replayed' | 'reconnects' | 'resyncs'): number => results.reduce((a, r) => a + r[k], 0);
  const errors: Record<string, number> = {};
  for (const r of results) for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
  const backpressure: Record<string, number> = {};
  for (const r of results) for (const [code, n] of Object.entries(r.backpressure ?? {})) backpressure[code] = (backpressure[code] ?? 0) + n;
  const seconds = scenario.durationMs / 1000;
  const perSec = scenario.bucketMs / 1000;
  const timeline = buckets.map((b, i) => ({
    t: ((i + 1) * scenario.bucketMs) / 1000,
    sentPerSec: b.sent / perSec,
    deliveredPerSec: b.delivered / perSec,
    p50: b.histogram.totalCount === 0 ? null : usToMs(b.histogram.getValueAtPercentile(50)),
    p99: b.histogram.totalCount === 0 ? null : usToMs(b.histogram.getValueAtPercentile(99)),
    max: b.histogram.totalCount === 0 ? null : usToMs(b.histogram.maxValue),
  }));
  const result: LoadResult = {
    kind: RESULT_KIND,
    version: 2,
    name: scenario.name,
    scenario,
    target,
    startedAt: new Date(startedAt).toISOString(),
    machine: machine(),
    totals: {
      sent: sum('sent'),
      delivered: sum('delivered'),
      sentPerSec: sum('sent') / seconds,
      deliveredPerSec: sum('delivered') / seconds,
      replayed: sum('replayed'),
      reconnects: sum('reconnects'),
      resyncs: sum('resyncs'),
      errors,
      errorCount: Object.values(errors).reduce((a, n) => a + n, 0),
      maxSendLagMs: Math.max(0, ...results.map((r) => r.maxSendLagMs)),
      lost: results.reduce((a, r) => a + (r.lost ?? 0), 0),
      backpressure,
    },
    latencyMs: latencyFigures(whole),
    timeline,
    distribution: whole.totalCount === 0 ? [] : DISTRIBUTION.map((p) => ({ percentile: p, ms: usToMs(whole.getValueAtPercentile(p)) })),
    ...(localNode === undefined ? {} : { localNode }),
    histogram: hdr.encodeIntoCompressedBase64(whole),
    hops: hopsSection(results, whole),
  };
  const moderation = moderationSection(results, result.hops, target.auditLog ?? 'unknown', scenario.moderators ?? 0);
  if (moderation !== undefined) result.moderation = moderation;
  for (const b of buckets) b.histogram.destroy();
  whole.destroy();
  return result;
}
