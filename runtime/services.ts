// Node services: what a node gives its actors besides messaging (a narrator, the rules pool). A
// service is named by module references, as stores and placements are: a worker builds its part
// itself; an optional main-thread part (one per node) gives each worker a MessagePort to it.
import type { MessagePort } from 'node:worker_threads';
import { GlassError } from './errors.js';
import type { ModuleRef } from './module-ref.js';
import type { StateStore } from './state-store.js';

export interface ServiceSpec {
  /** Built in every worker: the export is called with a WorkerServiceInit; its value is what `ctx.service(name)` returns. */
  readonly worker: ModuleRef;
  /** Built once on the main thread, before the workers: the export is called with a MainServiceInit and returns a MainService. */
  readonly main?: ModuleRef;
}

export interface WorkerServiceInit {
  readonly options: unknown;
  /** This worker's port to the service's main-thread part; null when it has none. */
  readonly port: MessagePort | null;
  /** The worker's state store: a service that keeps state keeps it where actors do. */
  readonly store: StateStore;
  readonly nodeId: string;
  readonly thread: number;
  /** The services built before this one in this worker (NodeOptions.services order): a service may compose others. */
  readonly services: Services;
}

export interface MainServiceInit {
  readonly options: unknown;
  readonly nodeId: string;
}

/** The main-thread part of a service. */
export interface MainService {
  /** A port for worker `thread` (called again for a replacement worker); the service keeps the other end. */
  connect(thread: number): MessagePort;
  close(): Promise<void>;
}

/**
 * A worker-side service value may have `close`, which the worker calls when it stops, and
 * `afterDrain`, called once a drain has saved and passivated the worker's actors (telemetry sends
 * their spans then).
 */
interface Closable {
  close(): unknown;
  afterDrain(): unknown;
}

export const ServiceErrors = {
  /** An actor asked for a service its node was not started with. */
  UNKNOWN: 'GLASS_ERR_UNKNOWN_SERVICE',
} as const;

/** The services of one worker, by name. */
export class Services {
  readonly #byName: ReadonlyMap<string, unknown>;

  constructor(byName: ReadonlyMap<string, unknown>) {
    this.#byName = byName;
  }

  get<T>(name: string): T {
    if (!this.#byName.has(name)) throw new GlassError(ServiceErrors.UNKNOWN, `this node has no service "${name}"`, { service: name });
    return this.#byName.get(name) as T;
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  async afterDrain(): Promise<void> {
    for (const value of this.#byName.values()) {
      const c = value as Partial<Closable> | null;
      if (c !== null && typeof c === 'object' && typeof c.afterDrain === 'function') await c.afterDrain();
    }
  }

  async close(): Promise<void> {
    for (const value of this.#byName.values()) {
      const c = value as Partial<Closable> | null;
      if (c !== null && typeof c === 'object' && typeof c.close === 'function') await c.close();
    }
  }
}

export const NO_SERVICES = new Services(new Map());
