// The rehydrate scenario's write-behind and cold-activation phases.
import { STATE_KIND, type ReadReply } from './actors/rehydrate-actors.js';
import type { Progress } from '../support/progress.js';
import type { OptionValues } from '../support/scenario.js';
import { WORKERS, ASK_TIMEOUT_MS, SETUP_CONCURRENCY, type Setup, type Histogram, histogram, recordMs, pct, round1, docId, epochNow, closedLoop, shuffled, probeCounters, probeIdle, type StoreTraffic, traffic, waitDocCount } from './rehydrate-setup.js';

export async function writeAll(setup: Setup, ids: readonly string[], expected: (id: string) => number, progress: Progress, phase: string): Promise<Map<string, number>> {
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

export interface SaveOutcome {
  saveDocsPerSec: number;
  saveMs: number;
  /** Until the workers had the last _bulk_docs response. */
  saveWorkerMs: number;
  createMs: number;
  createTraffic: StoreTraffic;
  saveTraffic: StoreTraffic;
}

/** Phase 1: N actors activated by a write (never saved before), then one write-behind flush. */
export async function measureSave(setup: Setup, ids: readonly string[], warmIds: readonly string[], timerMaySave: boolean, progress: Progress): Promise<SaveOutcome> {
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

export interface DrainOutcome {
  passivated: number;
  drainMs: number;
  traffic: StoreTraffic;
}

/** Passivates every actor of both workers (their state is saved again). */
export async function drainAll(setup: Setup, progress: Progress): Promise<DrainOutcome> {
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

export interface RoundOutcome {
  side: 'ours' | 'baseline';
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  elapsedMs: number;
  perSec: number;
  traffic?: StoreTraffic;
}

/** Ours: ask each actor of the slice a `read` (each one a cold activation). */
export async function oursRound(setup: Setup, slice: readonly string[], concurrency: number, into: Histogram, raw: number[], progress: Progress, label: string): Promise<RoundOutcome> {
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
export async function baselineRound(setup: Setup, slice: readonly string[], concurrency: number, into: Histogram, raw: number[], progress: Progress, label: string): Promise<RoundOutcome> {
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

export interface ActivationOutcome {
  rounds: RoundOutcome[][];
  ours: Histogram;
  baseline: Histogram;
  oursRaw: number[];
  baselineRaw: number[];
  unsavedAfterReads: number;
}

/** Phase 2: cold activation of every slice, ours and baseline alternating (ABBA). */
export async function measureActivation(setup: Setup, ids: readonly string[], warmIds: readonly string[], options: OptionValues, progress: Progress): Promise<ActivationOutcome> {
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

