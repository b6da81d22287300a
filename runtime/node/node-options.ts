import { availableParallelism, hostname } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import type { Clock } from '../clock.js';
import { InvalidOptionError } from '../errors.js';
import { MAX_TIMER_MS, integerOption } from '../options-check.js';
import type { ModuleRef } from '../module-ref.js';
import { GATEWAY_KIND, NODE_KIND } from '../address.js';
import { resolveSupervision, type SupervisionSpec } from '../supervision.js';
import type { ServiceSpec } from '../services.js';
import { MEMORY_STORE } from '../state-store.js';

export interface NodeOptions {
  /** Unique per node in a cluster; default `<hostname>-<pid>`. */
  nodeId?: string;
  /** Worker threads hosting actors; default: available parallelism. */
  workers?: number;
  /** Module URLs, each exporting `actors` (an array of definitions), loaded by every worker. */
  actorModules: readonly string[];
  /** State store factory (export called with `options`); default: in-memory per worker. */
  store?: ModuleRef;
  /** Placement factory (export called with `{ members, options }`). */
  placement: ModuleRef;
  /** Supervisor factory (export called with `{ overrides }`, see `supervision`): each worker builds one for its actors, the main thread one for the worker threads. */
  supervisor: ModuleRef;
  /** Node-wide supervision overrides per actor kind, applied over each kind's own spec. */
  supervision?: Record<string, Partial<SupervisionSpec>>;
  /** Idle time before an actor is passivated, for kinds that do not set their own. Default 5 min. */
  idleAfterMs?: number;
  /** How often workers look for idle actors. Default: a quarter of idleAfterMs, at most 30 s. */
  sweepIntervalMs?: number;
  /** Default ask timeout. Default 5 s. */
  askTimeoutMs?: number;
  /** Most envelopes in one cross-thread post. Default 1024. */
  maxBatch?: number;
  /** pino level. Default "info". */
  logLevel?: string;
  /** Kinds whose actors live on the main thread of the node named by their id. Default ["gateway"]. */
  pinnedKinds?: readonly string[];
  /** Clock of the main thread (ask timeouts from outside actors); workers use the system clock. */
  clock?: Clock;
  resourceLimits?: ResourceLimits;
  /**
   * A worker whose event loop has not turned for longer than this (a handler that never returns)
   * is ended and restarted, and the message it was handling quarantined. 0 turns the watchdog
   * off. Default 3 s.
   */
  blockedAfterMs?: number;
  /** What the node gives its actors by name (`ctx.service(name)`): see runtime/services.ts. Default none. */
  services?: Record<string, ServiceSpec>;
  /**
   * Bytes of the node's copy of its workers' last saved actor state (runtime/node/state-copy.ts): a
   * restarted worker's actors come back from it instead of the store. 0 turns it off. Default
   * 64 MiB; always off with the in-memory store (MEMORY_STORE), whose state dies with its worker.
   * A store that lives inside its worker thread must not be used with a copy: pass 0.
   */
  stateCopyBytes?: number;
  /**
   * Keep one idle worker thread booted, its modules imported, to replace the next worker that dies
   * (runtime/node/spare-worker.ts): the restart skips the thread start and the imports. It costs
   * one more thread's memory while idle, its heap with the modules loaded (16–27 MB RSS with the
   * game's services, bench/RESULTS.md "rehydrate"). Default true.
   */
  spareWorker?: boolean;
  /**
   * Each worker's own link to the other nodes of a cluster (runtime/wire/worker-router.ts NodeLink;
   * cluster/streams/worker-streams.ts, which startClusterNode names with `workerStreams: true`):
   * actor messages between workers of two nodes skip both main threads. Default null: they go
   * through the main threads and the node streams. Every node of a cluster must agree.
   */
  workerStreams?: ModuleRef | null;
}

export type ResolvedNodeOptions = Required<Omit<NodeOptions, 'clock' | 'resourceLimits' | 'store' | 'supervision' | 'services'>> & { services: [string, ServiceSpec][] } &
  Pick<NodeOptions, 'clock' | 'resourceLimits'> & { store: ModuleRef };

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

function positiveInt(name: string, value: unknown, max: number): number {
  return integerOption(name, value, 1, max);
}

/** 0 (off), or at least 100 ms: a worker beats every quarter of it, and a GC pause is not a block. */
function blockedAfter(value: unknown): number {
  const expectation = `0 (off) or an integer from 100 to ${MAX_TIMER_MS}`;
  const ms = integerOption('blockedAfterMs', value, 0, MAX_TIMER_MS, expectation);
  if (ms !== 0 && ms < 100) throw new InvalidOptionError('blockedAfterMs', expectation, value);
  return ms;
}

function moduleRef(name: string, value: unknown): ModuleRef {
  const ref = value as ModuleRef;
  if (ref === null || typeof ref !== 'object' || typeof ref.module !== 'string' || typeof ref.export !== 'string') {
    throw new InvalidOptionError(name, 'a { module, export } reference', value);
  }
  return ref;
}

/** `<hostname>-<pid>` made to fit the nodeId rule: a pod name alone may take 63 characters. */
export function defaultNodeId(): string {
  const suffix = `-${process.pid}`;
  return hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64 - suffix.length) + suffix;
}

function supervisionOverrides(value: unknown): Record<string, Partial<SupervisionSpec>> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidOptionError('supervision', 'an object of specs by actor kind', value);
  const overrides = value as Record<string, Partial<SupervisionSpec>>;
  for (const [kind, spec] of Object.entries(overrides)) resolveSupervision(spec, undefined, `supervision.${kind}`);
  return overrides;
}

function booleanOption(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidOptionError(name, 'true or false', value);
  return value;
}

/** The copy's default budget: 64 MiB holds about 100,000 documents of 300 characters. */
export const DEFAULT_STATE_COPY_BYTES = 64 * 1024 * 1024;

function stateCopyBytes(value: unknown, store: ModuleRef): number {
  const bytes = integerOption('stateCopyBytes', value ?? DEFAULT_STATE_COPY_BYTES, 0, 2 ** 40);
  return store.module === MEMORY_STORE.module && store.export === MEMORY_STORE.export ? 0 : bytes;
}

/** One guard per option, at the public entry; throws InvalidOptionError (GLASS_ERR_INVALID_OPTION). */
export function resolveNodeOptions(options: NodeOptions, defaultStore: ModuleRef): ResolvedNodeOptions {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('', 'an object', options);
  const nodeId = options.nodeId ?? defaultNodeId();
  if (typeof nodeId !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(nodeId)) {
    throw new InvalidOptionError('nodeId', 'letters, digits, ".", "_" or "-" (1 to 64)', nodeId);
  }
  if (!Array.isArray(options.actorModules) || options.actorModules.length === 0 || !options.actorModules.every((m) => typeof m === 'string')) {
    throw new InvalidOptionError('actorModules', 'a non-empty array of module URLs', options.actorModules);
  }
  const idleAfterMs = positiveInt('idleAfterMs', options.idleAfterMs ?? 300_000, MAX_TIMER_MS);
  const logLevel = options.logLevel ?? 'info';
  if (!LOG_LEVELS.has(logLevel)) throw new InvalidOptionError('logLevel', `one of ${[...LOG_LEVELS].join(', ')}`, logLevel);
  const given = options.pinnedKinds ?? [GATEWAY_KIND];
  if (!Array.isArray(given) || !given.every((k) => typeof k === 'string')) {
    throw new InvalidOptionError('pinnedKinds', 'an array of kind names', given);
  }
  // The node's own endpoint (handoffs) is always pinned.
  const pinnedKinds = given.includes(NODE_KIND) ? given : [...given, NODE_KIND];
  const store = moduleRef('store', options.store ?? defaultStore);
  return {
    nodeId,
    workers: positiveInt('workers', options.workers ?? availableParallelism(), 256),
    actorModules: options.actorModules,
    store,
    placement: moduleRef('placement', options.placement),
    supervisor: { ...moduleRef('supervisor', options.supervisor), options: { overrides: supervisionOverrides(options.supervision) } },
    idleAfterMs,
    sweepIntervalMs: positiveInt('sweepIntervalMs', options.sweepIntervalMs ?? Math.min(Math.max(Math.floor(idleAfterMs / 4), 1), 30_000), MAX_TIMER_MS),
    askTimeoutMs: positiveInt('askTimeoutMs', options.askTimeoutMs ?? 5_000, MAX_TIMER_MS),
    maxBatch: positiveInt('maxBatch', options.maxBatch ?? 1024, 65_536),
    logLevel,
    pinnedKinds,
    clock: options.clock,
    resourceLimits: options.resourceLimits,
    blockedAfterMs: blockedAfter(options.blockedAfterMs ?? 3_000),
    services: serviceSpecs(options.services),
    stateCopyBytes: stateCopyBytes(options.stateCopyBytes, store),
    spareWorker: booleanOption('spareWorker', options.spareWorker ?? true),
    workerStreams: options.workerStreams == null ? null : moduleRef('workerStreams', options.workerStreams),
  };
}

function serviceSpecs(given: unknown): [string, ServiceSpec][] {
  if (given === undefined) return [];
  if (given === null || typeof given !== 'object' || Array.isArray(given)) throw new InvalidOptionError('services', 'an object of service name → { worker, main? }', given);
  return Object.entries(given as Record<string, unknown>).map(([name, spec]) => {
    if (!/^[A-Za-z][A-Za-z0-9-]{0,63}$/.test(name)) throw new InvalidOptionError('services', 'service names of letters, digits and "-"', name);
    const s = spec as Partial<ServiceSpec> | null;
    if (s === null || typeof s !== 'object') throw new InvalidOptionError(`services.${name}`, '{ worker, main? }', spec);
    const out: ServiceSpec = { worker: moduleRef(`services.${name}.worker`, s.worker) };
    return [name, s.main === undefined ? out : { ...out, main: moduleRef(`services.${name}.main`, s.main) }];
  });
}
