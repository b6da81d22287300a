// The cluster scenarios' side of their node processes: forking them, asking them to do things over
// the IPC channel, killing them; a unique Redis key prefix per run and its cleanup.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import hdr from 'hdr-histogram-js';
import { Redis } from 'ioredis';
import type { ModuleRef } from '../../runtime/index.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const CLUSTER_PROCESS = fileURLToPath(new URL('../cluster-process.js', import.meta.url));
/** Most stderr kept from a node process, to explain a failure. */
const STDERR_TAIL = 8_192;

/** What a node process is started with (see bench/cluster-process.ts). */
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

/** A request to a node process and its answer, over the IPC channel (advanced serialization). */
export interface Request {
  id: number;
  cmd: string;
  args: unknown;
}
export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** A `redis key prefix` unique to this run: no ':' or spaces (the transport's rule for a prefix). */
export function runPrefix(scenario: string): string {
  return `bench-${scenario}-${process.pid}-${Date.now().toString(36)}`;
}

/** Wall-clock ms with µs resolution, comparable with the node processes' (same machine). */
export { epochNow } from '../actors/cluster-actors.js';

/**
 * A node process: a child running bench/cluster-process.js. Requests are answered in any order
 * (each carries an id); if the process exits, what is pending is rejected with its stderr's tail.
 */
export class NodeProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  #next = 1;
  #stderr = '';
  #gone = false;

  constructor(name: string) {
    this.name = name;
    // stdout carries the node's log lines (level warn and up), stderr anything else: both are kept,
    // the last few kilobytes, to explain a failure.
    // BENCH_NODE_ARGV adds Node flags to the node processes (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p").
    const execArgv = [...process.execArgv, ...(process.env.BENCH_NODE_ARGV ?? '').split(' ').filter((a) => a !== '')];
    this.child = fork(CLUSTER_PROCESS, [name], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced', execArgv });
    const keep = (chunk: string): void => void (this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL));
    this.child.stdout?.setEncoding('utf8').on('data', keep);
    this.child.stderr?.setEncoding('utf8').on('data', keep);
    this.child.on('message', (m: Reply) => {
      const p = this.#pending.get(m.id);
      if (p === undefined) return;
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`${this.name}: ${m.error}`));
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.#gone = true;
        for (const [id, p] of this.#pending) {
          clearTimeout(p.timer);
          p.reject(new Error(`${this.name} exited (code ${code}, signal ${signal}) during a request${this.#tail()}`));
          this.#pending.delete(id);
        }
        resolve({ code, signal });
      }),
    );
  }

  get stderr(): string {
    return this.#stderr;
  }

  request<T>(cmd: string, args: unknown = {}, timeoutMs = 60_000): Promise<T> {
    if (this.#gone) return Promise.reject(new Error(`${this.name} is not running${this.#tail()}`));
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name}: "${cmd}" not answered within ${timeoutMs} ms${this.#tail()}`));
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.send({ id, cmd, args } satisfies Request);
    });
  }

  start(args: StartArgs, timeoutMs = 60_000): Promise<{ nodeId: string; workers: number }> {
    return this.request('start', args, timeoutMs);
  }

  /** SIGKILL: no drain, no leave, nothing saved beyond what already was. */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  /** Closes the node (drain, leave) and ends the process; kills it if that takes over `timeoutMs`. */
  async close(timeoutMs = 20_000): Promise<void> {
    if (this.#gone) return;
    const killer = setTimeout(() => this.kill(), timeoutMs);
    try {
      await this.request('close', {}, timeoutMs).catch(() => undefined);
      await this.exited;
    } finally {
      clearTimeout(killer);
    }
  }

  #tail(): string {
    const t = this.#stderr.trim();
    return t === '' ? '' : `\n--- ${this.name} stderr (tail) ---\n${t.slice(-2_000)}`;
  }
}

/**
 * Forks `names.length` node processes and starts their nodes one after the other (a node joins once
 * the previous one is up: less contention for the two cores while workers load, and it kept the
 * benches clear of a start-up race fixed in b36114e, see bench/RESULTS.md); on a failure, stops
 * them all.
 */
export async function startNodes(names: readonly string[], args: (name: string, i: number) => StartArgs): Promise<NodeProcess[]> {
  const procs = names.map((n) => new NodeProcess(n));
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
