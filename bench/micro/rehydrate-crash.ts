// The rehydrate scenario's worker-crash recovery phase.
import { Worker } from 'node:worker_threads';
import { COUCH_STATE_STORE_MODULE, defaultNodeOptions } from '../../cluster/index.js';
import { type ModuleRef } from '../../runtime/index.js';
import { type WorkerHandle } from '../../runtime/node/index.js';
import { CRASH_KIND, REHYDRATE_ACTORS, STATE_KIND, type ReadReply } from './actors/rehydrate-actors.js';
import { idsOnThread } from './bench-node.js';
import type { Progress } from '../support/progress.js';
import type { OptionValues } from '../support/scenario.js';
import { ASK_TIMEOUT_MS, type Setup, histogram, recordMs, pct, round1, docId, probeCounters, probeIdle, type StoreTraffic, traffic } from './rehydrate-setup.js';
import { writeAll } from './rehydrate-phases.js';

export interface CrashOutcome {
  crashActors: number;
  /** From the tell of the crashing message to the main thread's exit event. */
  exitSeenMs: number;
  /** From the exit to the restarted worker being ready (onRestart), backoff included. */
  restartMs: number;
  backoffMs: number;
  /** From the exit to the new worker's evaluation of the bench actor module; null: the spare thread had loaded it before the crash. */
  workerModuleLoadedMs: number | null;
  /** The replacement was the node's pre-booted spare thread. */
  spareAdopted: boolean;
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
  /** Loads the restarted worker served from the node's copy of saved state, not the store. */
  loadsFromCopy: number;
  /** Documents the node handed the restarted worker at its start. */
  docsHanded: number;
}

/** Time from `new Worker` to its first message, for a worker that imports `modules` first. */
export async function spawnWorker(modules: readonly string[]): Promise<number> {
  const started = performance.now();
  const code = `Promise.all(${JSON.stringify(modules)}.map((m) => import(m))).then(() => require('node:worker_threads').parentPort.postMessage(1))`;
  const worker = new Worker(code, { eval: true });
  await new Promise<void>((resolve, reject) => worker.once('message', () => resolve()).once('error', reject));
  const ms = performance.now() - started;
  await worker.terminate();
  return ms;
}

/** Phase 3: crash worker 1 with `count` actors active on it; every one of them must answer again. */
export async function measureCrash(setup: Setup, count: number, measured: ReadonlySet<string>, options: OptionValues, progress: Progress): Promise<CrashOutcome> {
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
  const loadsFromCopy = (await node.stats())[thread - 1].loadsFromCopy ?? 0;
  const docsHanded = node.stateCopyStats()?.handed ?? 0;
  const spareAdopted = (node.supervisor.spareStats()?.adopted ?? 0) > 0;

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
    workerModuleLoadedMs: fresh.loadedAt < exitEpoch ? null : round1(fresh.loadedAt - exitEpoch),
    spareAdopted,
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
    loadsFromCopy,
    docsHanded,
  };
}

/** Share of latencies per power-of-two bucket (ms), ours and baseline side by side. */
