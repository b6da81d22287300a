import { parentPort, workerData } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { ActorHost } from './actor-host.js';
import type { ActorModule } from '../behaviour.js';
import { systemClock } from '../clock.js';
import type { WorkerControl, WorkerInit } from './control-api.js';
import { createLogger } from '../logger.js';
import { WorkerSampler } from './metrics-sample.js';
import { loadExport } from '../module-ref.js';
import type { Placement, PlacementInit } from '../placement.js';
import { WorkerRouter, type NodeLinkInit, type WorkerNodeLink } from '../wire/worker-router.js';
import type { StateStore } from '../state-store.js';
import type { Supervisor } from '../supervision.js';
import { Services, type WorkerServiceInit } from '../services.js';
import { WorkerPulse } from './worker-pulse.js';
import { reportingStore } from './saved-state-report.js';
import { sameMembers, type NodeMember } from '../placement.js';
import { workerInit, type WorkerBoot } from './worker-boot.js';

// The entry of every worker thread. It imports only worker-safe runtime modules; actor kinds,
// the state store and the placement are loaded from the modules named in workerData. A spare
// thread (worker-boot.ts) imports them ahead and waits here until it replaces a dead worker.
const init: WorkerInit = await workerInit(workerData as WorkerBoot);
const log = createLogger('glass-worker', init.logLevel, { node: init.nodeId, thread: init.thread });

const modules = (await Promise.all(init.actorModules.map((m) => import(m)))) as ActorModule[];
const behaviours = modules.flatMap((m) => m.actors);
const createStore = await loadExport<(options: unknown) => StateStore | Promise<StateStore>>(init.store, 'store');
// Wrapped when the node keeps a copy of the saved state: saves are reported, first loads may come from the copy.
const { store, report } = reportingStore(await createStore(init.store.options), init.stateCopy);
let members: readonly NodeMember[] = init.members;
const createPlacement = await loadExport<(init: PlacementInit) => Placement>(init.placement, 'placement');
const createSupervisor = await loadExport<(options: unknown) => Supervisor>(init.supervisor, 'supervisor');
const placement = createPlacement({ members: init.members, options: init.placement.options });
// The node's services, each built here from its module (with its port to the main-thread part).
const serviceValues = new Map<string, unknown>();
const services = new Services(serviceValues);
for (const s of init.services) {
  const create = await loadExport<(i: WorkerServiceInit) => unknown>(s.worker, `services.${s.name}.worker`);
  serviceValues.set(s.name, await create({ options: s.worker.options, port: s.port, store, nodeId: init.nodeId, thread: init.thread, services }));
}

// Its dead letters go to the main thread, which keeps the node's log.
const router = new WorkerRouter({
  nodeId: init.nodeId,
  thread: init.thread,
  placement,
  clock: systemClock,
  pinnedKinds: init.pinnedKinds,
  defaultAskTimeoutMs: init.askTimeoutMs,
  maxBatch: init.maxBatch,
});
// The beat and the handler running now, for the main thread's watchdog (read without this loop).
const pulse = new WorkerPulse(init.pulse);
if (init.pulse !== null) pulse.start(init.beatEveryMs);
const host = new ActorHost({
  router,
  behaviours,
  store,
  clock: systemClock,
  logger: log,
  idleAfterMs: init.idleAfterMs,
  sweepIntervalMs: init.sweepIntervalMs,
  supervisor: createSupervisor(init.supervisor.options),
  onQuarantine: (entry) => router.forwardQuarantined(entry),
  pulse,
  services,
});
router.setLocal(host);
init.ports.forEach((port, thread) => {
  if (port !== null) router.attach(thread, port);
});
// Worker streams: this worker reaches other nodes itself and reads its own stream (its pending
// entries first: a replacement takes what its predecessor had not acknowledged).
let remote: WorkerNodeLink | null = null;
if (init.remote != null) {
  const createLink = await loadExport<(i: NodeLinkInit) => WorkerNodeLink>(init.remote, 'remote');
  remote = createLink({
    options: init.remote.options,
    nodeId: init.nodeId,
    thread: init.thread,
    hooks: {
      deliver: (batch, receipt) => router.deliverFromStream(batch, receipt),
      exhausted: (batch, receipt) => router.refuseFromStream(batch, receipt),
      undeliverable: (envelopes, error) => {
        for (const e of envelopes) router.refuse(e, error, 'undeliverable');
      },
      deadLetter: (letter) => router.forwardDeadLetter(letter),
      log: (level, fields, message) => log[level](fields, message),
    },
  });
  router.setRemote(remote);
  await remote.start();
}

const sampler = new WorkerSampler(init.thread, systemClock, () => host.cells.values(), () => ({
  processed: host.processed,
  mailboxTotal: host.mailboxTotal(),
  pendingAsks: router.pendingAsks,
  activations: host.takeActivationLatencies(),
}));

const control: WorkerControl = {
  ready: () => ({ thread: init.thread, kinds: behaviours.map((b) => b.kind), types: pulse.types }),
  stats: () => ({
    thread: init.thread,
    ...(report === null ? {} : { loadsFromCopy: report.seedHits }),
    actors: host.activeCount,
    processed: host.processed,
    mailboxTotal: host.mailboxTotal(),
    pendingAsks: router.pendingAsks,
  }),
  inspect: (filter) => host.inspect(filter),
  sample: (options) => sampler.sample(options),
  actors: (query) => sampler.actors(query),
  passivate: (kind, id) => host.passivate(kind + ':' + id),
  restart: (kind, id) => host.restart(kind + ':' + id),
  hold: (thread) => router.hold(thread),
  attach: (thread, port) => router.attach(thread, port),
  flush: () => host.flush(),
  setMembers: (next, down) => {
    // Actors may have been written by another node since the copy was made: the rest come from the store.
    if (down.length > 0 || !sameMembers(next, members)) report?.dropSeed();
    members = next;
    return host.setMembers(next, down);
  },
  drain: async () => {
    const drained = await host.drain();
    await services.afterDrain();
    return drained;
  },
  heapUsed: () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc !== undefined) gc();
    return process.memoryUsage().heapUsed;
  },
  close: async () => {
    sampler.close();
    pulse.stop();
    await host.close();
    // After the actors' last saves: their acknowledgements and sends go before the link closes.
    await remote?.close();
    await services.close();
    await store.close();
    router.close(new Error('worker closed'));
  },
};

Comlink.expose(control, nodeEndpoint(parentPort!));
log.debug({ kinds: behaviours.map((b) => b.kind) }, 'worker ready');

