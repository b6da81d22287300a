import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import hdr from 'hdr-histogram-js';
import nano from 'nano';
import { COUCH_STATE_STORE_MODULE, couchStoreRef, defaultNodeOptions, startEmbeddedCouch, type EmbeddedCouch } from '../../cluster/index.js';
import { startNode, type Address, type GlassNode, type ModuleRef, type WorkerHandle } from '../../runtime/index.js';
import {
  CRASH_KIND,
  KEY_BUCKETS,
  PROBE_KIND,
  REHYDRATE_ACTORS,
  STATE_KIND,
  WRITE_BEHIND_ENV,
  type ReadReply,
  type RequestStats,
  type StoreCounters,
} from '../actors/rehydrate-actors.js';
import { idsOnThread } from '../bench-node.js';
import type { Progress } from '../progress.js';
import { formatNumber, median, type ScenarioResult } from '../report.js';
import type { OptionValues, Scenario } from '../scenario.js';

/** activation p99 <= GOAL_P99_RATIO × bare GET p99. */
const GOAL_P99_RATIO = 1.5;
const GOAL_RECOVERY_MS = 1_000;
const WORKERS = 2;
const DB = 'rehydrate';
/** Actors of the warm-up round (activated by ours, read by the baseline), apart from the measured ones. */
const WARM_ACTORS = 1_024;
const ASK_TIMEOUT_MS = 60_000;
const SAVE_TIMEOUT_MS = 120_000;
/** Asks in flight while creating actors (not measured). */
const SETUP_CONCURRENCY = 512;

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
export const rehydrate: Scenario = {
  name: 'rehydrate',
  summary: 'cold activation from CouchDB vs bare GET, write-behind saves/s, worker crash recovery (goals: p99 <= 1.5x GET p99, recovery < 1 s)',
  options: {
    actors: { kind: 'int', default: 10_000, min: 100, max: 1_000_000, description: 'bench-state actors saved, passivated and activated again' },
    concurrency: { kind: 'int', default: 128, min: 1, max: 10_000, description: 'asks (and baseline GETs) in flight during cold activation' },
    rounds: { kind: 'int', default: 4, min: 1, max: 50, description: 'slices of the actors, each activated by ours and read by the baseline' },
    'crash-actors': { kind: 'int', default: 10_000, min: 0, max: 1_000_000, description: 'active actors on worker 1 when it crashes (0: skip)' },
    'store-batch': { kind: 'int', default: 256, min: 1, max: 10_000, description: "the couch store's maxBatch (keys per _all_docs / docs per _bulk_docs)" },
    'write-behind-ms': { kind: 'int', default: 60_000, min: 1, max: 60_000, description: 'write-behind period of bench-state (long: saves only on flush)' },
  },
  run: runRehydrate,
};

interface Setup {
  couch: EmbeddedCouch;
  dataDir: string;
  db: nano.DocumentScope<unknown>;
  node: GlassNode;
  probes: Address[];
}

type Histogram = ReturnType<typeof hdr.build>;

function histogram(): Histogram {
  // Microseconds, 1 µs to 10 min.
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.max(1, Math.round(ms * 1000)));
}

const pct = (h: Histogram, p: number): number => h.getValueAtPercentile(p) / 1000;
const round2 = (x: number): number => Math.round(x * 100) / 100;
const round1 = (x: number): number => Math.round(x * 10) / 10;
const docId = (id: string): string => `${STATE_KIND}:${id}`;
const epochNow = (): number => performance.timeOrigin + performance.now();

/** Runs `fn` over `items` with `concurrency` calls in flight: each finished call starts the next. */
async function closedLoop<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
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
function shuffled<T>(items: readonly T[], seed: number): T[] {
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

async function probeCounters(setup: Setup, reset: boolean): Promise<StoreCounters[]> {
  return Promise.all(
    setup.probes.map((p, i) => setup.node.ask(p, { type: 'counters', thread: i + 1, reset }, { timeoutMs: ASK_TIMEOUT_MS }) as Promise<StoreCounters>),
  );
}

/** Waits until no store request is in flight on any worker; answers the latest response time (epoch ms). */
async function probeIdle(setup: Setup): Promise<number> {
  const done = await Promise.all(setup.probes.map((p) => setup.node.ask(p, { type: 'idle', settleMs: 20 }, { timeoutMs: SAVE_TIMEOUT_MS }) as Promise<number>));
  return Math.max(...done);
}

interface StoreTraffic {
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

function sumStats(list: RequestStats[]): RequestStats {
  return list.reduce((a, s) => ({ count: a.count + s.count, items: a.items + s.items, totalMs: a.totalMs + s.totalMs, maxMs: Math.max(a.maxMs, s.maxMs) }), {
    count: 0,
    items: 0,
    totalMs: 0,
    maxMs: 0,
  });
}

function traffic(counters: StoreCounters[]): StoreTraffic {
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

async function docCount(db: nano.DocumentScope<unknown>): Promise<number> {
  return (await db.info()).doc_count;
}

/** Polls the database until it holds `target` documents; answers when it saw them (ms, performance.now). */
async function waitDocCount(db: nano.DocumentScope<unknown>, target: number, onPoll: (count: number) => void): Promise<number> {
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

async function start(options: OptionValues, progress: Progress): Promise<Setup> {
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
      logLevel: 'silent',
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
async function writeAll(setup: Setup, ids: readonly string[], expected: (id: string) => number, progress: Progress, phase: string): Promise<Map<string, number>> {
  progress.begin(phase, ids.length);
  const versions = new Map<string, number>();
  let done = 0;
  await closedLoop(ids, SETUP_CONCURRENCY, async (id) => {
    const v = (await setup.node.ask({ kind: STATE_KIND, id }, { type: 'write', amountCents: 250 }, { timeoutMs: ASK_TIMEOUT_MS })) as number;
    if (v !== expected(id)) throw new Error(`${id} answered version ${v} to a write, expected ${expected(id)}`);
    versions.set(id, v);
    if (++done % 256 === 0) progress.update(done);
  });
  progress.update(done);
  return versions;
}

interface SaveOutcome {
  saveDocsPerSec: number;
  saveMs: number;
  /** Until the workers had the last _bulk_docs response. */
  saveWorkerMs: number;
  createMs: number;
  createTraffic: StoreTraffic;
  saveTraffic: StoreTraffic;
}

/** Phase 1: N actors activated by a write (never saved before), then one write-behind flush. */
async function measureSave(setup: Setup, ids: readonly string[], warmIds: readonly string[], timerMaySave: boolean, progress: Progress): Promise<SaveOutcome> {
  // The warm-up actors first, saved apart: the measured flush holds exactly the N actors.
  await writeAll(setup, warmIds, () => 1, progress, 'creating warm-up actors');
  await setup.node.flush();
  await waitDocCount(setup.db, warmIds.length, () => undefined);
  await probeIdle(setup);

  await probeCounters(setup, true);
  const created = performance.now();
  await writeAll(setup, ids, () => 1, progress, `creating ${ids.length} actors (1 write each)`);
  const createMs = performance.now() - created;
  const createTraffic = traffic(await probeCounters(setup, true));

  const base = warmIds.length;
  progress.begin('write-behind flush (docs in the store)', ids.length);
  const flushedAtEpoch = epochNow();
  const flushed = performance.now();
  await setup.node.flush();
  const seenAt = await waitDocCount(setup.db, base + ids.length, (count) => progress.update(count - base));
  const lastResponse = await probeIdle(setup);
  const saveTraffic = traffic(await probeCounters(setup, true));
  // With a short write-behind period the timer may have saved some of them before the flush.
  if (saveTraffic.bulkDocsDocs !== ids.length && !timerMaySave) throw new Error(`the flush saved ${saveTraffic.bulkDocsDocs} documents, expected ${ids.length}`);
  const saveMs = seenAt - flushed;
  return {
    saveDocsPerSec: Math.round(ids.length / (saveMs / 1000)),
    saveMs: round1(saveMs),
    saveWorkerMs: round1(lastResponse - flushedAtEpoch),
    createMs: round1(createMs),
    createTraffic,
    saveTraffic,
  };
}

interface DrainOutcome {
  passivated: number;
  drainMs: number;
  traffic: StoreTraffic;
}

/** Passivates every actor of both workers (their state is saved again). */
async function drainAll(setup: Setup, progress: Progress): Promise<DrainOutcome> {
  progress.begin('draining both workers', WORKERS);
  await probeCounters(setup, true);
  const started = performance.now();
  const counts = await Promise.all(
    Array.from({ length: WORKERS }, async (_, t) => {
      const n = await setup.node.drainWorker(t + 1);
      progress.tick();
      return n;
    }),
  );
  const drainMs = performance.now() - started;
  const left = (await setup.node.stats()).reduce((sum, s) => sum + s.actors, 0);
  if (left > 0) throw new Error(`${left} actors still active after draining both workers`);
  return { passivated: counts.reduce((a, b) => a + b, 0), drainMs: round1(drainMs), traffic: traffic(await probeCounters(setup, true)) };
}

interface RoundOutcome {
  side: 'ours' | 'baseline';
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  elapsedMs: number;
  perSec: number;
  traffic?: StoreTraffic;
}

/** Ours: ask each actor of the slice a `read` (each one a cold activation). */
async function oursRound(setup: Setup, slice: readonly string[], concurrency: number, into: Histogram, raw: number[], progress: Progress, label: string): Promise<RoundOutcome> {
  const h = histogram();
  await probeCounters(setup, true);
  progress.begin(label, slice.length);
  let done = 0;
  const started = performance.now();
  await closedLoop(slice, concurrency, async (id) => {
    const t0 = performance.now();
    const reply = (await setup.node.ask({ kind: STATE_KIND, id }, { type: 'read' }, { timeoutMs: ASK_TIMEOUT_MS })) as ReadReply;
    const ms = performance.now() - t0;
    if (reply.version < 1) throw new Error(`${id} was activated with version ${reply.version}: its state did not come from the store`);
    recordMs(h, ms);
    raw.push(ms);
    if (++done % 64 === 0) progress.update(done);
  });
  const elapsedMs = performance.now() - started;
  progress.update(done);
  const t = traffic(await probeCounters(setup, true));
  into.add(h);
  return { side: 'ours', p50Ms: pct(h, 50), p99Ms: pct(h, 99), maxMs: h.maxValue / 1000, elapsedMs, perSec: slice.length / (elapsedMs / 1000), traffic: t };
}

/** Baseline: nano GET of each document of the slice from the main thread, same concurrency. */
async function baselineRound(setup: Setup, slice: readonly string[], concurrency: number, into: Histogram, raw: number[], progress: Progress, label: string): Promise<RoundOutcome> {
  const h = histogram();
  progress.begin(label, slice.length);
  let done = 0;
  const started = performance.now();
  await closedLoop(slice, concurrency, async (id) => {
    const t0 = performance.now();
    const doc = (await setup.db.get(docId(id))) as unknown as { state?: { version?: number } };
    const ms = performance.now() - t0;
    if ((doc.state?.version ?? 0) < 1) throw new Error(`GET ${docId(id)} returned no saved state`);
    recordMs(h, ms);
    raw.push(ms);
    if (++done % 64 === 0) progress.update(done);
  });
  const elapsedMs = performance.now() - started;
  progress.update(done);
  into.add(h);
  return { side: 'baseline', p50Ms: pct(h, 50), p99Ms: pct(h, 99), maxMs: h.maxValue / 1000, elapsedMs, perSec: slice.length / (elapsedMs / 1000) };
}

interface ActivationOutcome {
  rounds: RoundOutcome[][];
  ours: Histogram;
  baseline: Histogram;
  oursRaw: number[];
  baselineRaw: number[];
  unsavedAfterReads: number;
}

/** Phase 2: cold activation of every slice, ours and baseline alternating (ABBA). */
async function measureActivation(setup: Setup, ids: readonly string[], warmIds: readonly string[], options: OptionValues, progress: Progress): Promise<ActivationOutcome> {
  const concurrency = options.concurrency as number;
  const roundCount = options.rounds as number;
  // Warm-up (unmeasured): JIT, the main thread's connections to the server.
  const scratch = histogram();
  await oursRound(setup, warmIds, concurrency, scratch, [], progress, 'warm-up: ours');
  await baselineRound(setup, warmIds, concurrency, scratch, [], progress, 'warm-up: bare GET');

  const order = shuffled(ids, 0x5eed);
  const size = Math.ceil(order.length / roundCount);
  const ours = histogram();
  const baseline = histogram();
  const oursRaw: number[] = [];
  const baselineRaw: number[] = [];
  const rounds: RoundOutcome[][] = [];
  for (let r = 0; r < roundCount; r++) {
    const slice = order.slice(r * size, (r + 1) * size);
    if (slice.length === 0) break;
    const runOurs = (): Promise<RoundOutcome> => oursRound(setup, slice, concurrency, ours, oursRaw, progress, `round ${r + 1}/${roundCount}: ours (cold activation)`);
    const runBaseline = (): Promise<RoundOutcome> => baselineRound(setup, slice, concurrency, baseline, baselineRaw, progress, `round ${r + 1}/${roundCount}: bare GET`);
    if (r % 2 === 0) {
      const o = await runOurs();
      rounds.push([o, await runBaseline()]);
    } else {
      const b = await runBaseline();
      rounds.push([await runOurs(), b]);
    }
  }
  // A read is not a change, yet the runtime marks a write-behind actor dirty after any message.
  const snapshots = await setup.node.inspect({ kind: STATE_KIND });
  const unsavedAfterReads = snapshots.reduce((sum, w) => sum + w.actors.filter((a) => a.unsaved).length, 0);
  return { rounds, ours, baseline, oursRaw, baselineRaw, unsavedAfterReads };
}

interface CrashOutcome {
  crashActors: number;
  /** From the tell of the crashing message to the main thread's exit event. */
  exitSeenMs: number;
  /** From the exit to the restarted worker being ready (onRestart), backoff included. */
  restartMs: number;
  backoffMs: number;
  /** From the exit to the new worker's evaluation of the bench actor module. */
  workerModuleLoadedMs: number;
  firstAnswerMs: number;
  /** From the exit until every actor of the worker has answered. */
  recoveryMs: number;
  /** From the restart until every actor has answered. */
  reloadMs: number;
  answerP50Ms: number;
  answerP99Ms: number;
  /** In the new worker: first load request sent and last response received, from the exit. */
  firstLoadSentMs: number | null;
  lastLoadDoneMs: number | null;
  traffic: StoreTraffic;
  /** The same documents read with _all_docs from the main thread, chunks of store-batch keys all at once. */
  bareAllDocsMs: number;
  /** A bare worker thread: to its first message, and with the modules a node worker imports. */
  bareWorkerSpawnMs: number;
  bareWorkerImportsMs: number;
  /** Worker exits seen during the phase (1 unless the crashing message was delivered again). */
  exits: number;
  restarts: number;
  preparedMs: number;
}

/** Time from `new Worker` to its first message, for a worker that imports `modules` first. */
async function spawnWorker(modules: readonly string[]): Promise<number> {
  const started = performance.now();
  const code = `Promise.all(${JSON.stringify(modules)}.map((m) => import(m))).then(() => require('node:worker_threads').parentPort.postMessage(1))`;
  const worker = new Worker(code, { eval: true });
  await new Promise<void>((resolve, reject) => worker.once('message', () => resolve()).once('error', reject));
  const ms = performance.now() - started;
  await worker.terminate();
  return ms;
}

/** Phase 3: crash worker 1 with `count` actors active on it; every one of them must answer again. */
async function measureCrash(setup: Setup, count: number, measured: ReadonlySet<string>, options: OptionValues, progress: Progress): Promise<CrashOutcome> {
  const { node } = setup;
  const thread = 1;
  const ids = idsOnThread(node, thread, count, 's');
  // Ids of the measured set already hold version 1; the others are new.
  const prepared = performance.now();
  const versions = await writeAll(setup, ids, (id) => (measured.has(id) ? 2 : 1), progress, `${count} actors active on worker ${thread} (1 write each)`);
  progress.begin('saving them (flush)', 1);
  await node.flush();
  await probeIdle(setup);
  progress.tick();
  const preparedMs = performance.now() - prepared;
  const stats = await node.stats();
  if (stats[thread - 1].actors < count) throw new Error(`only ${stats[thread - 1].actors} actors are active on worker ${thread}`);

  const [crashId] = idsOnThread(node, thread, 1, 'crash-');
  let exitAt = 0;
  let restartAt = 0;
  let firstAnswerAt = 0;
  let handle: WorkerHandle | null = null;
  let answered = 0;
  let exits = 0;
  const answers = histogram();
  progress.begin(`crash worker ${thread}: actors answering again`, count);
  let startAsks!: () => void;
  const exited = new Promise<void>((resolve) => (startAsks = resolve));
  const offExit = node.supervisor.onExit((h) => {
    if (h.thread !== thread) return;
    if (exits++ > 0) return;
    exitAt = performance.now();
    handle = h;
    startAsks();
  });
  const restarted = new Promise<void>((resolve) => {
    const off = node.supervisor.onRestart((h) => {
      if (h.thread !== thread) return;
      restartAt = performance.now();
      off();
      resolve();
    });
  });
  const allAnswered = exited.then(() =>
    // Every actor is asked at once, while its worker is down: the node holds the asks.
    Promise.all(
      ids.map(async (id) => {
        const reply = (await node.ask({ kind: STATE_KIND, id }, { type: 'read' }, { timeoutMs: ASK_TIMEOUT_MS })) as ReadReply;
        const at = performance.now();
        if (reply.version !== versions.get(id)) throw new Error(`${id} came back with version ${reply.version}, saved ${versions.get(id)}`);
        firstAnswerAt ||= at;
        recordMs(answers, at - exitAt);
        if (++answered % 256 === 0) progress.update(answered);
        return at;
      }),
    ),
  );
  const crashedAt = performance.now();
  node.tell({ kind: CRASH_KIND, id: crashId }, { type: 'exit', code: 1 });
  const times = await allAnswered;
  await restarted;
  progress.update(answered);
  const doneAt = Math.max(...times);
  const exitEpoch = performance.timeOrigin + exitAt;
  // The probe on the new worker: its module (and counters) started with that worker.
  const counters = await probeCounters(setup, true);
  const fresh = counters[thread - 1];
  const backoffMs = (handle as WorkerHandle | null)?.nextDelayMs ?? 0;

  // A floor for the reload: the same documents with bare _all_docs requests from the main thread.
  progress.begin('bare _all_docs of the same documents', 1);
  const batch = options['store-batch'] as number;
  const bareStarted = performance.now();
  const chunks: Promise<unknown>[] = [];
  for (let i = 0; i < ids.length; i += batch) chunks.push(setup.db.fetch({ keys: ids.slice(i, i + batch).map(docId) }));
  await Promise.all(chunks);
  const bareAllDocsMs = performance.now() - bareStarted;
  progress.tick();
  // Floors for the restart: a bare worker thread, and one that imports what a node worker imports.
  const defaults = defaultNodeOptions();
  const workerModules = [
    new URL('../../runtime/index.js', import.meta.url).href,
    import.meta.resolve('comlink'),
    REHYDRATE_ACTORS,
    COUCH_STATE_STORE_MODULE,
    (defaults.placement as ModuleRef).module,
    (defaults.supervisor as ModuleRef).module,
  ];
  const bareWorkerSpawnMs = await spawnWorker([]);
  const bareWorkerImportsMs = await spawnWorker(workerModules);
  offExit();

  return {
    crashActors: count,
    exitSeenMs: round1(exitAt - crashedAt),
    restartMs: round1(restartAt - exitAt),
    backoffMs,
    workerModuleLoadedMs: round1(fresh.loadedAt - exitEpoch),
    firstAnswerMs: round1(firstAnswerAt - exitAt),
    recoveryMs: round1(doneAt - exitAt),
    reloadMs: round1(doneAt - restartAt),
    answerP50Ms: round1(pct(answers, 50)),
    answerP99Ms: round1(pct(answers, 99)),
    firstLoadSentMs: fresh.firstSentAt === null ? null : round1(fresh.firstSentAt - exitEpoch),
    lastLoadDoneMs: fresh.lastDoneAt === null ? null : round1(fresh.lastDoneAt - exitEpoch),
    traffic: traffic([fresh]),
    bareAllDocsMs: round1(bareAllDocsMs),
    bareWorkerSpawnMs: round1(bareWorkerSpawnMs),
    bareWorkerImportsMs: round1(bareWorkerImportsMs),
    exits,
    restarts: (handle as WorkerHandle | null)?.restarts ?? 0,
    preparedMs: round1(preparedMs),
  };
}

/** Share of latencies per power-of-two bucket (ms), ours and baseline side by side. */
function distributionPlot(ours: readonly number[], baseline: readonly number[]): string {
  const all = [...ours, ...baseline];
  if (all.length === 0) return '';
  const maxMs = Math.max(...all);
  const bounds: number[] = [];
  for (let b = 0.5; ; b *= 2) {
    bounds.push(b);
    if (b >= maxMs) break;
  }
  const share = (values: readonly number[]): number[] => {
    const counts = bounds.map(() => 0);
    for (const v of values) counts[Math.min(bounds.length - 1, bounds.findIndex((b) => v <= b))]++;
    return counts.map((c) => (values.length === 0 ? 0 : c / values.length));
  };
  const o = share(ours);
  const g = share(baseline);
  // Skip empty buckets at the low end.
  const first = Math.max(0, Math.min(o.findIndex((x) => x > 0), g.findIndex((x) => x > 0)));
  const width = 30;
  const bar = (x: number): string => '\u2588'.repeat(Math.round(x * width)).padEnd(width);
  const lines = ['latency distribution, all measured rounds (share of requests per bucket)', `${'≤ ms'.padStart(8)}  ${'ours: cold activation (ask)'.padEnd(width + 7)}  bare GET`];
  for (let i = first; i < bounds.length; i++) {
    const label = bounds[i] < 1 ? bounds[i].toFixed(1) : String(bounds[i]);
    lines.push(`${label.padStart(8)}  ${bar(o[i])} ${(o[i] * 100).toFixed(1).padStart(5)}%  ${bar(g[i])} ${(g[i] * 100).toFixed(1).padStart(5)}%`);
  }
  return lines.join('\n');
}

async function runRehydrate(options: OptionValues, progress: Progress): Promise<ScenarioResult> {
  const n = options.actors as number;
  const crashCount = options['crash-actors'] as number;
  const concurrency = options.concurrency as number;
  const ids = Array.from({ length: n }, (_, i) => `s${i}`);
  const warmIds = Array.from({ length: Math.min(WARM_ACTORS, n) }, (_, i) => `w${i}`);
  const runStarted = performance.now();
  const setup = await start(options, progress);
  let save: SaveOutcome;
  let drain: DrainOutcome;
  let activation: ActivationOutcome;
  let crash: CrashOutcome | null = null;
  let closeMs = 0;
  try {
    save = await measureSave(setup, ids, warmIds, (options['write-behind-ms'] as number) < 60_000, progress);
    drain = await drainAll(setup, progress);
    activation = await measureActivation(setup, ids, warmIds, options, progress);
    if (crashCount > 0) crash = await measureCrash(setup, crashCount, new Set(ids), options, progress);
    const deadLetters = setup.node.deadLetters.count;
    if (deadLetters > 0) throw new Error(`${deadLetters} dead letters during the run: the figures are not valid`);
  } finally {
    progress.begin('closing (node drains and saves every actor)', 1);
    const closing = performance.now();
    await setup.node.close().catch(() => undefined);
    closeMs = performance.now() - closing;
    progress.tick();
    await setup.couch.close();
    rmSync(setup.dataDir, { recursive: true, force: true });
    progress.stop();
  }

  const oursRounds = activation.rounds.map((r) => r[0]);
  const baseRounds = activation.rounds.map((r) => r[1]);
  const activationP50Ms = round2(median(oursRounds.map((r) => r.p50Ms)));
  const activationP99Ms = round2(median(oursRounds.map((r) => r.p99Ms)));
  const baselineGetP50Ms = round2(median(baseRounds.map((r) => r.p50Ms)));
  const baselineGetP99Ms = round2(median(baseRounds.map((r) => r.p99Ms)));
  const p99Ratio = Math.round((activationP99Ms / baselineGetP99Ms) * 1000) / 1000;
  const activationMet = p99Ratio <= GOAL_P99_RATIO;
  const recoveryMet = crash === null ? null : crash.recoveryMs < GOAL_RECOVERY_MS;
  const allRoundsTraffic = oursRounds.map((r) => r.traffic!);
  const activationRequests = allRoundsTraffic.reduce((a, t) => a + t.allDocs + t.getDoc, 0);
  const activationKeys = allRoundsTraffic.reduce((a, t) => a + t.allDocsKeys + t.getDoc, 0);
  const loadMsAvg = round2(
    allRoundsTraffic.reduce((a, t) => a + t.allDocsAvgMs * t.allDocs + t.getDocAvgMs * t.getDoc, 0) / Math.max(1, activationRequests),
  );

  const figures = {
    scenario: 'rehydrate',
    actors: n,
    concurrency,
    activationP50Ms,
    activationP99Ms,
    baselineGetP50Ms,
    baselineGetP99Ms,
    p99Ratio,
    workerCrashRecoveryMs: crash?.recoveryMs ?? null,
    workerRestartMs: crash?.restartMs ?? null,
    saveDocsPerSec: save.saveDocsPerSec,
    saveMs: save.saveMs,
    saveHttpRequests: save.saveTraffic.bulkDocs,
    saveDocsPerRequest: round1(save.saveTraffic.bulkDocsDocs / Math.max(1, save.saveTraffic.bulkDocs)),
    saveWorkerMs: save.saveWorkerMs,
    pooled: {
      activationP50Ms: round2(pct(activation.ours, 50)),
      activationP99Ms: round2(pct(activation.ours, 99)),
      activationMaxMs: round2(activation.ours.maxValue / 1000),
      baselineGetP50Ms: round2(pct(activation.baseline, 50)),
      baselineGetP99Ms: round2(pct(activation.baseline, 99)),
      baselineGetMaxMs: round2(activation.baseline.maxValue / 1000),
    },
    activationPerSec: Math.round(median(oursRounds.map((r) => r.perSec))),
    baselineGetPerSec: Math.round(median(baseRounds.map((r) => r.perSec))),
    activationLoadRequests: activationRequests,
    activationKeysPerRequest: round1(activationKeys / Math.max(1, activationRequests)),
    activationLoadRequestAvgMs: loadMsAvg,
    roundsDetail: activation.rounds.map(([o, b]) => ({
      oursP50Ms: round2(o.p50Ms),
      oursP99Ms: round2(o.p99Ms),
      getP50Ms: round2(b.p50Ms),
      getP99Ms: round2(b.p99Ms),
      oursPerSec: Math.round(o.perSec),
      getPerSec: Math.round(b.perSec),
      loads: o.traffic,
    })),
    unsavedAfterReads: activation.unsavedAfterReads,
    create: { ms: save.createMs, traffic: save.createTraffic },
    saveTraffic: save.saveTraffic,
    drain: { passivated: drain.passivated, ms: drain.drainMs, docsPerSec: Math.round(drain.traffic.bulkDocsDocs / (drain.drainMs / 1000)), traffic: drain.traffic },
    crash,
    closeMs: round1(closeMs),
    runMs: Math.round(performance.now() - runStarted),
  };

  const yes = (met: boolean | null): string => (met === null ? 'skipped' : met ? 'yes' : 'NO');
  const rows: (string | number)[][] = [
    ['write-behind save (flush → in the store)', `${formatNumber(save.saveDocsPerSec)} docs/s`, `${n} docs, ${save.saveTraffic.bulkDocs} _bulk_docs, ${formatNumber(save.saveMs)} ms`, '—', '—'],
    ['cold activation p50 / p99', `${activationP50Ms} / ${activationP99Ms} ms`, `bare GET ${baselineGetP50Ms} / ${baselineGetP99Ms} ms`, `p99 ≤ ${GOAL_P99_RATIO}× GET (${round2(baselineGetP99Ms * GOAL_P99_RATIO)} ms)`, `${yes(activationMet)} (${p99Ratio}×)`],
    ['cold activation throughput', `${formatNumber(figures.activationPerSec)} /s`, `bare GET ${formatNumber(figures.baselineGetPerSec)} /s`, '—', '—'],
    ['loads per activation round', `${figures.activationKeysPerRequest} keys/request`, `${activationRequests} requests for ${activationKeys} keys, avg ${loadMsAvg} ms each`, '—', '—'],
    ['drain (passivate all, saves again)', `${formatNumber(drain.drainMs)} ms`, `${drain.passivated} actors, ${drain.traffic.bulkDocsDocs} docs in ${drain.traffic.bulkDocs} _bulk_docs`, '—', '—'],
  ];
  if (crash !== null) {
    rows.push(
      [
        'worker crash: restart (exit → ready)',
        `${formatNumber(crash.restartMs)} ms`,
        `backoff ${crash.backoffMs} ms, modules loaded +${crash.workerModuleLoadedMs} ms (bare worker ${crash.bareWorkerSpawnMs} ms, with imports ${crash.bareWorkerImportsMs} ms)`,
        '—',
        '—',
      ],
      [
        'worker crash: reload timeline',
        `first load +${crash.firstLoadSentMs} ms`,
        `last load done +${crash.lastLoadDoneMs} ms, first answer +${crash.firstAnswerMs} ms, ${crash.exits} exit(s)`,
        '—',
        '—',
      ],
      [
        `worker crash: all ${crash.crashActors} answered`,
        `${formatNumber(crash.recoveryMs)} ms`,
        `reload ${formatNumber(crash.reloadMs)} ms, ${crash.traffic.allDocs} _all_docs (bare: ${formatNumber(crash.bareAllDocsMs)} ms)`,
        `< ${GOAL_RECOVERY_MS} ms`,
        yes(recoveryMet),
      ],
    );
  }
  for (const [i, [o, b]] of activation.rounds.entries()) {
    rows.push([`  round ${i + 1} (${i % 2 === 0 ? 'ours first' : 'GET first'})`, `${round2(o.p50Ms)} / ${round2(o.p99Ms)} ms`, `GET ${round2(b.p50Ms)} / ${round2(b.p99Ms)} ms`, '', `${round2(o.p99Ms / b.p99Ms)}×`]);
  }

  return {
    figures,
    goal: `activation p99 <= ${GOAL_P99_RATIO} x bare GET p99${crash === null ? '' : `; worker crash recovery < ${GOAL_RECOVERY_MS} ms`}`,
    goalMet: activationMet && recoveryMet !== false,
    table: { head: ['measure', 'ours', 'detail / baseline', 'goal', 'met?'], rows },
    bars: [
      { label: 'activation p50', value: activationP50Ms },
      { label: 'bare GET p50', value: baselineGetP50Ms },
      { label: 'activation p99', value: activationP99Ms },
      { label: 'bare GET p99', value: baselineGetP99Ms },
      { label: `goal (${GOAL_P99_RATIO}× GET p99)`, value: round2(baselineGetP99Ms * GOAL_P99_RATIO) },
    ],
    unit: 'ms',
    series: oursRounds.map((r) => round2(r.p99Ms)),
    plot: distributionPlot(activation.oursRaw, activation.baselineRaw),
  };
}
