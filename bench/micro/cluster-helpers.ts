// The cluster scenarios' side of their node processes: forking them, asking them to do things over
// the IPC channel, killing them; a unique Redis key prefix per run and its cleanup.
import { fileURLToPath } from 'node:url';
import hdr from 'hdr-histogram-js';
import { Redis } from 'ioredis';
import type { ModuleRef } from '../../runtime/index.js';
import { BenchChild } from '../support/child-process.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const CLUSTER_PROCESS = fileURLToPath(new URL('./cluster-process.js', import.meta.url));

/** What a node process is started with (see bench/micro/cluster-process.ts). */
export interface StartArgs {
  nodeId: string;
  prefix: string;
  redisUrl: string;
  workers: number;
  /** null: MEMORY_STORE. */
  store: ModuleRef | null;
  heartbeatMs?: number;
  downAfterMs?: number;
  askTimeoutMs?: number;
}

/** A `redis key prefix` unique to this run: no ':' or spaces (the transport's rule for a prefix). */
export function runPrefix(scenario: string): string {
  return `bench-${scenario}-${process.pid}-${Date.now().toString(36)}`;
}

/** Wall-clock ms with µs resolution, comparable with the node processes' (same machine). */
export { epochNow } from './actors/cluster-actors.js';

/** A node process: a child running bench/micro/cluster-process.js (see BenchChild). */
export class NodeProcess extends BenchChild {
  /** `env`: added to this process's environment (e.g. the OTEL_* of a traced node, bench/support/tracing.ts). */
  constructor(name: string, env?: NodeJS.ProcessEnv) {
    super(name, CLUSTER_PROCESS, { measured: true, ...(env === undefined ? {} : { env }) });
  }

  /** CPU time of the whole process so far (main thread and workers), µs. */
  async cpuMicros(): Promise<number> {
    const u = await this.request<NodeJS.CpuUsage>('cpu');
    return u.user + u.system;
  }

  start(args: StartArgs, timeoutMs = 60_000): Promise<{ nodeId: string; workers: number }> {
    return this.request('start', args, timeoutMs);
  }

  /** Closes the node (drain, leave) and ends the process; kills it if that takes over `timeoutMs`. */
  override close(timeoutMs = 20_000): Promise<void> {
    return super.close(timeoutMs);
  }
}

/**
 * Forks `names.length` node processes and starts their nodes one after the other (a node joins once
 * the previous one is up: less contention for the two cores while workers load, and it kept the
 * benches clear of a start-up race fixed in b36114e, see bench/RESULTS.md); on a failure, stops
 * them all.
 */
export async function startNodes(names: readonly string[], args: (name: string, i: number) => StartArgs, env?: NodeJS.ProcessEnv): Promise<NodeProcess[]> {
  const procs = names.map((n) => new NodeProcess(n, env));
  try {
    for (const [i, p] of procs.entries()) await p.start(args(p.name, i));
    return procs;
  } catch (err) {
    await Promise.allSettled(procs.map((p) => p.close(2_000)));
    throw err;
  }
}

/** Waits until every process sees exactly `ids` as the live members. */
export async function waitMembers(procs: readonly NodeProcess[], ids: readonly string[], timeoutMs = 30_000): Promise<void> {
  await Promise.all(procs.map((p) => p.request('wait-members', { ids, timeoutMs }, timeoutMs + 5_000)));
}

/** Deletes every key of this run's prefix (SCAN + UNLINK; never FLUSHALL: the Redis is shared). */
export async function deleteRunKeys(prefix: string, redisUrl = REDIS_URL): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

/** Percentiles (ms) of latencies given in µs, from an HDR histogram (1 µs .. 10 min, 3 digits). */
export interface LatencySummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Summary of latencies in µs. One-way latencies compare two processes' clocks; a value below 0
 * (clock error larger than the latency) is counted as 1 µs and reported in `negative`.
 */
export function summarize(...arrays: ArrayLike<number>[]): LatencySummary & { negative: number } {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  let negative = 0;
  let count = 0;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const us = a[i];
      if (us < 0) negative++;
      h.recordValue(Math.min(600_000_000, Math.max(1, Math.round(us))));
      count++;
    }
  }
  const at = (p: number): number => round3(h.getValueAtPercentile(p) / 1000);
  const summary = { count, p50Ms: at(50), p90Ms: at(90), p99Ms: at(99), p999Ms: at(99.9), maxMs: round3(h.maxValue / 1000), negative };
  h.destroy();
  return summary;
}
