// CPU and memory of the processes of a run over time: each node (sampled from /proc for local
// nodes, through the ops API for a remote cluster), the load processes, and the local cluster's
// Redis and CouchDB-protocol server. One sample per timeline bucket.

/** Who a series is about. */
export type ResourceRole = 'node' | 'load' | 'harness' | 'redis' | 'store';

export interface ResourceSample {
  /** Seconds from the run's start to the end of the interval (as the timeline's `t`). */
  t: number;
  /** CPU over the interval, % of one core (200 = two cores busy); null when the process was not there. */
  cpuPct: number | null;
  /** Resident memory at the sample (MB); null when the process was not there. */
  rssMb: number | null;
  /** Ops API only: each worker thread's event-loop utilisation over the ops sample (%). */
  threads?: { thread: number; utilizationPct: number }[];
}

export interface ResourceSeries {
  name: string;
  role: ResourceRole;
  /** `proc`: /proc/<pid>/stat and status of a local process; `ops-api`: the node's own report. */
  source: 'proc' | 'ops-api';
  samples: ResourceSample[];
  /** Over the samples with a value; null when there was none. */
  summary: { meanCpuPct: number | null; maxCpuPct: number | null; maxRssMb: number | null };
}

export interface ResourceReport {
  intervalMs: number;
  series: ResourceSeries[];
  /** Samples that could not be taken (an ops API call that failed, a process gone). */
  missedSamples: number;
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

export function summarise(samples: readonly ResourceSample[]): ResourceSeries['summary'] {
  const cpu = samples.map((s) => s.cpuPct).filter((v): v is number => v !== null);
  const rss = samples.map((s) => s.rssMb).filter((v): v is number => v !== null);
  return {
    meanCpuPct: cpu.length === 0 ? null : round1(cpu.reduce((a, v) => a + v, 0) / cpu.length),
    maxCpuPct: cpu.length === 0 ? null : round1(Math.max(...cpu)),
    maxRssMb: rss.length === 0 ? null : round1(Math.max(...rss)),
  };
}

/** Something sampled once per interval (a set of local processes, a remote cluster's ops API). */
export interface ResourceProbe {
  /** Called at the start (t = 0: a baseline) and at the end of every interval. */
  sample(t: number): Promise<void>;
  /** Samples that could not be taken so far. */
  readonly missed: number;
  series(): ResourceSeries[];
}
