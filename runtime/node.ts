import type { MessagePort } from 'node:worker_threads';
import { addressKey, validateAddress, type Address } from './address.js';
import { systemClock } from './clock.js';
import type { WorkerInit, WorkerStats } from './control-api.js';
import type { ActorSnapshot } from './actor-host.js';
import { DeadLetterLog } from './dead-letters.js';
import { EndpointTable, type EndpointHandler } from './endpoints.js';
import { ErrorCodes, GlassError } from './errors.js';
import { createLogger, type Logger } from './logger.js';
import { loadExport } from './module-ref.js';
import { resolveNodeOptions, type NodeOptions, type ResolvedNodeOptions } from './node-options.js';
import type { Placement, PlacementInit } from './placement.js';
import { Ref } from './ref.js';
import { Router } from './router.js';
import { LocalTransport, type Transport } from './transport.js';
import { QuarantineLog } from './quarantine.js';
import { NodeSupervisor, WorkerStatus, type WorkerHandle } from './node-supervisor.js';
import { nestActors, type SupervisionTree, type WorkerTreeNode } from './supervision-tree.js';

const MEMORY_STORE = { module: new URL('./state-store.js', import.meta.url).href, export: 'createMemoryStateStore' };

/**
 * A node: the main thread's router and endpoints plus W worker threads hosting the actors. Every
 * thread gets a MessagePort to every other thread (a full mesh), so actor-to-actor messages
 * between workers never pass through the main thread.
 */
export class GlassNode {
  readonly id: string;
  readonly options: ResolvedNodeOptions;
  readonly deadLetters = new DeadLetterLog();
  /** Poison messages taken out of their actor's way by its supervisor, from every worker. */
  readonly quarantine = new QuarantineLog();
  readonly log: Logger;
  /** Starts, watches and restarts the worker threads (the root of the supervision tree). */
  readonly supervisor: NodeSupervisor;
  readonly #router: Router;
  readonly #endpoints: EndpointTable;
  readonly #transport: Transport;
  #closed = false;
  #closing: Promise<void> | null = null;
  readonly #closeHooks: (() => Promise<void> | void)[] = [];

  private constructor(options: ResolvedNodeOptions, placement: Placement) {
    this.id = options.nodeId;
    this.options = options;
    this.log = createLogger('glass', options.logLevel, { node: options.nodeId, thread: 0 });
    this.#router = new Router({
      nodeId: options.nodeId,
      thread: 0,
      placement,
      clock: options.clock ?? systemClock,
      pinnedKinds: options.pinnedKinds,
      defaultAskTimeoutMs: options.askTimeoutMs,
      maxBatch: options.maxBatch,
      onDeadLetter: (letter) => this.deadLetters.record(letter),
      onQuarantined: (entry) => this.quarantine.record(entry),
    });
    this.#endpoints = new EndpointTable(this.#router);
    this.#router.setLocal(this.#endpoints);
    this.#transport = new LocalTransport(options.nodeId);
    this.#router.setTransport(this.#transport);
    this.supervisor = new NodeSupervisor({
      workers: options.workers,
      router: this.#router,
      clock: options.clock ?? systemClock,
      log: this.log,
      init: (thread, ports) => this.#init(thread, ports),
      resourceLimits: options.resourceLimits,
    });
  }

  /** The worker threads, 1..W at indexes 0..W-1, whatever their status. */
  get workers(): readonly WorkerHandle[] {
    return this.supervisor.handles;
  }

  static async start(input: NodeOptions): Promise<GlassNode> {
    const options = resolveNodeOptions(input, MEMORY_STORE);
    const createPlacement = await loadExport<(init: PlacementInit) => Placement>(options.placement, 'placement');
    const members = [{ id: options.nodeId, workers: options.workers }];
    const node = new GlassNode(options, createPlacement({ members, options: options.placement.options }));
    await node.#transport.start((batch) => batch.forEach((e) => node.#router.deliverInbound(e)));
    try {
      await node.supervisor.start();
    } catch (err) {
      await node.close();
      throw err;
    }
    node.log.info({ workers: options.workers }, 'node started');
    return node;
  }

  #init(thread: number, ports: (MessagePort | null)[]): WorkerInit {
    const o = this.options;
    return {
      nodeId: this.id,
      thread,
      members: [{ id: o.nodeId, workers: o.workers }],
      ports,
      actorModules: [...o.actorModules],
      store: o.store,
      placement: o.placement,
      supervisor: o.supervisor,
      pinnedKinds: [...o.pinnedKinds],
      idleAfterMs: o.idleAfterMs,
      sweepIntervalMs: o.sweepIntervalMs,
      askTimeoutMs: o.askTimeoutMs,
      maxBatch: o.maxBatch,
      logLevel: o.logLevel,
    };
  }

  /** A Ref to any actor of the cluster, usable from the main thread. */
  ref(kind: string | { readonly kind: string }, id: string): Ref {
    this.#assertOpen();
    return new Ref(typeof kind === 'string' ? kind : kind.kind, id, this.#router, null);
  }

  tell(to: Address, msg: unknown): void {
    this.ref(to.kind, to.id).tell(msg);
  }

  ask(to: Address, msg: unknown, options?: { timeoutMs?: number }): Promise<unknown> {
    return this.ref(to.kind, to.id).ask(msg, options);
  }

  /** Sends under a stable sender name (so the pair is sequenced), e.g. the gateway. */
  tellAs(sender: string, to: Address, msg: unknown): void {
    this.#assertOpen();
    validateAddress(to.kind, to.id);
    this.#router.sendAs(sender, to.kind, to.id, addressKey(to.kind, to.id), msg);
  }

  /** Binds a main-thread handler to an address of a pinned kind whose id is this node. */
  bind(address: Address, handler: EndpointHandler): () => void {
    validateAddress(address.kind, address.id);
    if (!this.options.pinnedKinds.includes(address.kind) || address.id !== this.id) {
      throw new GlassError(ErrorCodes.INVALID_ADDRESS, `only pinned kinds (${this.options.pinnedKinds.join(', ')}) with this node's id can be bound here`);
    }
    return this.#endpoints.bind(addressKey(address.kind, address.id), handler);
  }

  /** Which thread of this node hosts an actor id (1..W), by the node's placement. */
  threadOf(id: string): number {
    return this.#router.placement.locate(id).thread;
  }

  async inspect(filter?: { kind?: string; limit?: number }): Promise<{ thread: number; actors: ActorSnapshot[] }[]> {
    return Promise.all(this.#live().map(async (w) => ({ thread: w.thread, actors: await w.control.inspect(filter) })));
  }

  /**
   * The live supervision tree: every worker (running, backing off after a crash, …) with its
   * restarts and last exit, and under it every active actor with status, restarts and last failure,
   * children nested under the actor that spawned them. A worker that is down shows no actors.
   */
  async supervisionTree(filter?: { kind?: string; limit?: number }): Promise<SupervisionTree> {
    const workers = await Promise.all(
      this.workers.map(async (w): Promise<WorkerTreeNode> => ({
        thread: w.thread,
        status: w.status,
        restarts: w.restarts,
        lastExit: w.lastExit,
        actors: w.status === WorkerStatus.RUNNING ? nestActors(await w.control.inspect(filter)) : [],
      })),
    );
    return { node: this.id, workers };
  }

  async stats(): Promise<WorkerStats[]> {
    return Promise.all(this.#live().map((w) => w.control.stats()));
  }

  /** Passivates one actor wherever it lives on this node. */
  async passivate(kind: string, id: string): Promise<boolean> {
    const w = this.workers[this.threadOf(id) - 1];
    return w !== undefined && w.status === WorkerStatus.RUNNING ? w.control.passivate(kind, id) : false;
  }

  /** Ops restart of one actor: a stopped or quarantined actor comes back from its stored state. */
  async restart(kind: string, id: string): Promise<boolean> {
    const w = this.workers[this.threadOf(id) - 1];
    return w !== undefined && w.status === WorkerStatus.RUNNING ? w.control.restart(kind, id) : false;
  }

  /**
   * Sends a quarantined message to its actor again (after the bug is fixed), as a tell from
   * "@quarantine"; returns false if there is no such entry. The entry leaves the quarantine.
   */
  redrive(quarantineId: string): boolean {
    const entry = this.quarantine.take(quarantineId);
    if (entry === undefined) return false;
    const kind = entry.to.slice(0, entry.to.indexOf(':'));
    this.tellAs('@quarantine', { kind, id: entry.to.slice(kind.length + 1) }, entry.message);
    return true;
  }

  /** Saves every write-behind actor with unsaved changes on every worker now. */
  async flush(): Promise<void> {
    await Promise.all(this.#live().map((w) => w.control.flush()));
  }

  /** Passivates every actor of one worker (1..W), saving their state. */
  async drainWorker(thread: number): Promise<number> {
    const w = this.workers[thread - 1];
    if (w === undefined || w.status !== WorkerStatus.RUNNING) throw new GlassError(ErrorCodes.WORKER_FAILED, `no live worker ${thread}`);
    return w.control.drain();
  }

  /** Runs `fn` at the end of close(), after the workers have saved their state (e.g. to stop the store's server). */
  onClose(fn: () => Promise<void> | void): void {
    this.#closeHooks.push(fn);
  }

  /** Drains every worker (state saved), stops them and closes the node. Idempotent: every call gets the same promise. */
  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    this.#closed = true;
    await this.supervisor.close();
    this.#router.close(new GlassError(ErrorCodes.NODE_CLOSED, 'node closed'));
    await this.#transport.close();
    for (const fn of this.#closeHooks.reverse()) {
      await Promise.resolve()
        .then(fn)
        .catch((err: unknown) => this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'close hook failed'));
    }
    this.log.info('node closed');
  }

  #live(): WorkerHandle[] {
    return this.supervisor.live();
  }

  #assertOpen(): void {
    if (this.#closed) throw new GlassError(ErrorCodes.NODE_CLOSED, 'node is closed');
  }
}

export function startNode(options: NodeOptions): Promise<GlassNode> {
  return GlassNode.start(options);
}
