import type { MessagePort } from 'node:worker_threads';
import type { ActorSnapshot } from './actor-host.js';
import type { ActorQuery, ActorSample, SampleOptions, WorkerSample } from './metrics-sample.js';
import type { ModuleRef } from '../module-ref.js';
import type { NodeMember } from '../placement.js';
import type { StateCopyInit } from './saved-state-report.js';

/**
 * The control plane between the main thread and a worker, spoken over comlink on the worker's
 * parent port. It is for people and tools (inspect, passivate, drain), never for actor messages:
 * those go over the data ports in batches.
 */
export interface WorkerControl {
  /** Resolves when the worker has loaded its actor kinds and attached its ports. */
  ready(): WorkerInfo;
  stats(): WorkerStats;
  inspect(filter?: { kind?: string; limit?: number }): ActorSnapshot[];
  /** The ops view of the worker: aggregates per kind, notable actors, rates since the last sample. */
  sample(options?: SampleOptions): WorkerSample;
  /** One page of the worker's actors matching a query (kind, id substring), for the ops view. */
  actors(query?: ActorQuery): { total: number; actors: ActorSample[] };
  passivate(kind: string, id: string): Promise<boolean>;
  /** Ops restart of one actor: a stopped or quarantined actor comes back from its stored state. */
  restart(kind: string, id: string): boolean;
  /** Saves every write-behind actor with unsaved changes now. */
  flush(): void;
  /** Passivates every actor of the worker (state saved); resolves with how many. */
  drain(): Promise<number>;
  /** Another worker died: hold what goes to it (and what it did not acknowledge) until attach. */
  hold(thread: number): void;
  /** The port to a (restarted) thread: sends it what was held. */
  attach(thread: number, port: MessagePort): void;
  /** The cluster changed: rebuild the placement, passivate what moved away; resolves with how many moved. */
  setMembers(members: NodeMember[], down: string[]): Promise<number>;
  /** Heap in use after a full GC when the process runs with --expose-gc (benchmarks). */
  heapUsed(): number;
  close(): Promise<void>;
}

export interface WorkerInfo {
  thread: number;
  kinds: string[];
  /** "kind message-type" by the ids the worker's pulse writes (see worker-pulse.ts). */
  types: string[];
}

export interface WorkerStats {
  thread: number;
  actors: number;
  processed: number;
  mailboxTotal: number;
  pendingAsks: number;
  /** Loads this worker served from the node-kept copy of saved state instead of the store (absent: no copy). */
  loadsFromCopy?: number;
}

/** Everything a worker thread is started with (workerData): plain data and transferred ports. */
export interface WorkerInit {
  nodeId: string;
  thread: number;
  members: NodeMember[];
  /** Port to every other thread of the node, indexed by thread (own index empty). */
  ports: (MessagePort | null)[];
  actorModules: string[];
  store: ModuleRef;
  placement: ModuleRef;
  supervisor: ModuleRef;
  pinnedKinds: string[];
  idleAfterMs: number;
  sweepIntervalMs: number;
  askTimeoutMs: number;
  maxBatch: number;
  logLevel: string;
  /** The worker's pulse (worker-pulse.ts), read by the main thread's watchdog; null: no watchdog. */
  pulse: SharedArrayBuffer | null;
  /** How often the worker bumps its beat. */
  beatEveryMs: number;
  /** The node's services: each worker builds `worker`, given its port to the service's main-thread part. */
  services: WorkerServiceRef[];
  /** The node keeps a copy of this worker's saved state (saved-state-report.ts); absent or null: it does not. */
  stateCopy?: StateCopyInit | null;
  /**
   * The worker's own link to other nodes (NodeOptions.workerStreams): the export is called with a
   * NodeLinkInit and returns a WorkerNodeLink. Absent or null: what leaves the node goes through
   * the main thread.
   */
  remote?: ModuleRef | null;
}

export interface WorkerServiceRef {
  name: string;
  worker: ModuleRef;
  port: MessagePort | null;
}
