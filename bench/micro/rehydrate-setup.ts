// The rehydrate scenario's setup, constants and measuring helpers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hdr from 'hdr-histogram-js';
import nano from 'nano';
import { couchStoreRef, defaultNodeOptions, startEmbeddedCouch, type EmbeddedCouch } from '../../cluster/index.js';
import { type Address, type ModuleRef } from '../../runtime/index.js';
import { startNode, type GlassNode } from '../../runtime/node/index.js';
import { KEY_BUCKETS, PROBE_KIND, REHYDRATE_ACTORS, STATE_KIND, WRITE_BEHIND_ENV, type RequestStats, type StoreCounters } from './actors/rehydrate-actors.js';
import { idsOnThread } from './bench-node.js';
import type { Progress } from '../support/progress.js';
import type { OptionValues } from '../support/scenario.js';


/** activation p99 <= GOAL_P99_RATIO × bare GET p99. */
export const GOAL_P99_RATIO = 1.5;
export const GOAL_RECOVERY_MS = 1_000;
export const WORKERS = 2;
export const DB = 'rehydrate';
/** Actors of the warm-up round (activated by ours, read by the baseline), apart from the measured ones. */
export const WARM_ACTORS = 1_024;
export const ASK_TIMEOUT_MS = 60_000;
export const SAVE_TIMEOUT_MS = 120_000;
/** Asks in flight while creating actors (not measured). */
export const SETUP_CONCURRENCY = 512;

/**
 * Actor state in CouchDB (the embedded server, a child process): write-behind save throughput, cold
 * activation latency against a bare GET of the same documents, and recovery of a crashed worker.
 *
 * 1. `actors` bench-state actors (a ~380-byte account) each handle one `write`; node.flush() then
 *    saves them write-behind; the time until the database holds them all (db.info().doc_count)
 *    gives saveDocsPerSec.
 * 2. Both workers are drained (every actor passivated, state saved). The actors are split into
 *    `rounds` slices; each slice is activated again by asking each actor a `read`, `concurrency`
 *    asks in flight (closed loop), and the baseline GETs the same slice's documents with nano from
 *    the main thread at the same concurrency. Ours/baseline alternate in ABBA order (the first side
 *    of a slice reads colder documents); the median of the per-round percentiles is reported.
 * 3. `crash-actors` actors on worker 1 handle a `write` and are saved; a bench-crash actor on worker
 *    1 calls process.exit(1). From the exit (node.supervisor.onExit) every one of them is asked a
 *    `read` (held while the worker is down); recovery ends when all have answered with their saved
 *    version.
 *
 * Workers count their store's HTTP requests (the bench kinds wrap fetch), read through a
 * bench-probe actor per worker.
 */

export interface Setup {
  couch: EmbeddedCouch;
  dataDir: string;
  db: nano.DocumentScope<unknown>;
  node: GlassNode;
  probes: Address[];
}

export type Histogram = ReturnType<typeof hdr.build>;

export function histogram(): Histogram {
  // Microseconds, 1 µs to 10 min.
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.max(1, Math.round(ms * 1000)));
}

export const pct = (h: Histogram, p: number): number => h.getValueAtPercentile(p) / 1000;
export const round2 = (x: number): number => Math.round(x * 100) / 100;
export const round1 = (x: number): number => Math.round(x * 10) / 10;
export const docId = (id: string): string => `${STATE_KIND}:${id}`;
export const epochNow = (): number => performance.timeOrigin + performance.now();

/** Runs `fn` over `items` with `concurrency` calls in flight: each finished call starts the next. */
export async function closedLoop<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runner = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, runner));
}

/** A deterministic shuffle (xorshift), so that both sides read a slice in the same order. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let x = seed | 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export async function probeCounters(setup: Setup, reset: boolean): Promise<StoreCounters[]> {
  return Promise.all(
    setup.probes.map((p, i) => setup.node.ask(p, { type: 'counters', thread: i + 1, reset }, { timeoutMs: ASK_TIMEOUT_MS }) as Promise<StoreCounters>),
  );
}

/** Waits until no store request is in flight on any worker; answers the latest response time (epoch ms). */
export async function probeIdle(setup: Setup): Promise<number> {
  const done = await Promise.all(setup.probes.map((p) => setup.node.ask(p, { type: 'idle', settleMs: 20 }, { timeoutMs: SAVE_TIMEOUT_MS }) as Promise<number>));
  return Math.max(...done);
}

export interface StoreTraffic {
  allDocs: number;
  allDocsKeys: number;
  allDocsAvgMs: number;
  allDocsMaxMs: number;
  getDoc: number;
  getDocAvgMs: number;
  bulkDocs: number;
  bulkDocsDocs: number;
  bulkDocsAvgMs: number;
  other: number;
  /** _all_docs requests per key-count bucket, e.g. { '<=64': 12 }. */
  allDocsKeys_hist: Record<string, number>;
}

export function sumStats(list: RequestStats[]): RequestStats {
  return list.reduce((a, s) => ({ count: a.count + s.count, items: a.items + s.items, totalMs: a.totalMs + s.totalMs, maxMs: Math.max(a.maxMs, s.maxMs) }), {
    count: 0,
    items: 0,
    totalMs: 0,
    maxMs: 0,
  });
}

export function traffic(counters: StoreCounters[]): StoreTraffic {
  const all = sumStats(counters.map((c) => c.allDocs));
  const get = sumStats(counters.map((c) => c.getDoc));
  const bulk = sumStats(counters.map((c) => c.bulkDocs));
  const other = sumStats(counters.map((c) => c.other));
  const hist: Record<string, number> = {};
  KEY_BUCKETS.forEach((b, i) => {
    const n = counters.reduce((sum, c) => sum + c.allDocsKeyBuckets[i], 0);
    if (n > 0) hist[`<=${b}`] = n;
  });
  return {
    allDocs: all.count,
    allDocsKeys: all.items,
    allDocsAvgMs: all.count === 0 ? 0 : round2(all.totalMs / all.count),
    allDocsMaxMs: round2(all.maxMs),
    getDoc: get.count,
    getDocAvgMs: get.count === 0 ? 0 : round2(get.totalMs / get.count),
    bulkDocs: bulk.count,
    bulkDocsDocs: bulk.items,
    bulkDocsAvgMs: bulk.count === 0 ? 0 : round2(bulk.totalMs / bulk.count),
    other: other.count,
    allDocsKeys_hist: hist,
  };
}

export async function docCount(db: nano.DocumentScope<unknown>): Promise<number> {
  return (await db.info()).doc_count;
}

/** Polls the database until it holds `target` documents; answers when it saw them (ms, performance.now). */
export async function waitDocCount(db: nano.DocumentScope<unknown>, target: number, onPoll: (count: number) => void): Promise<number> {
  const deadline = performance.now() + SAVE_TIMEOUT_MS;
  for (;;) {
    const count = await docCount(db);
    const at = performance.now();
    onPoll(count);
    if (count >= target) return at;
    if (at > deadline) throw new Error(`the database holds ${count} of ${target} documents ${SAVE_TIMEOUT_MS} ms after the flush`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function start(options: OptionValues, progress: Progress): Promise<Setup> {
  progress.begin('starting CouchDB server and node', 3);
  const dataDir = mkdtempSync(join(tmpdir(), 'glass-rehydrate-'));
  let couch: EmbeddedCouch | undefined;
  try {
    couch = await startEmbeddedCouch({ dataDir });
    progress.tick();
    const server = nano({ url: couch.url, parseUrl: false } as nano.Configuration);
    await server.db.create(DB);
    const db = server.use<unknown>(DB);
    progress.tick();
    // Workers inherit the environment: the bench kind reads its write-behind period from it.
    process.env[WRITE_BEHIND_ENV] = String(options['write-behind-ms']);
    const ref = couchStoreRef(couch.url, DB);
    const store: ModuleRef = { ...ref, options: { ...(ref.options as object), maxBatch: options['store-batch'] as number } };
    const node = await startNode({
      ...defaultNodeOptions(),
      nodeId: `bench-rehydrate-${process.pid}`,
      actorModules: [REHYDRATE_ACTORS],
      workers: WORKERS,
      store,
      // No passivation by the sweep during a run: the scenario drains explicitly.
      idleAfterMs: 3_600_000,
      askTimeoutMs: ASK_TIMEOUT_MS,
      // GLASS_BENCH_LOG=error shows the node's own log (e.g. a worker the watchdog ended).
      logLevel: process.env.GLASS_BENCH_LOG ?? 'silent',
      // On a shared 2-core machine the 10,000-document flush kept both workers' loops from turning
      // for over 3 s (the default), and the watchdog ended them mid-flush; the crash is measured apart.
      blockedAfterMs: 30_000,
      stateCopyBytes: options['state-copy-bytes'] as number,
      spareWorker: options['spare-worker'] === 1,
    });
    progress.tick();
    const probes = Array.from({ length: WORKERS }, (_, t) => ({ kind: PROBE_KIND, id: idsOnThread(node, t + 1, 1, 'probe-')[0] }));
    return { couch, dataDir, db, node, probes };
  } catch (err) {
    await couch?.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** Asks every actor a `write`; checks each answers `expected(id)` (its version after the write). */
