import type { MessagePort } from 'node:worker_threads';
import { NODE_KIND, addressKey, validateAddress, type Address } from '../address.js';
import { systemClock } from '../clock.js';
import { DeadLetterLog } from '../dead-letters.js';
import type { Envelope } from '../envelope.js';
import { ErrorCodes, GlassError } from '../errors.js';
import type { WorkerInit, WorkerStats } from '../host/control-api.js';
import type { ActorSnapshot } from '../host/actor-host.js';
import type { ActorQuery, ActorSample, SampleOptions, WorkerSample } from '../host/metrics-sample.js';
import { createLogger, type Logger } from '../logger.js';
import { loadExport } from '../module-ref.js';
import type { Location, NodeMember, Placement, PlacementInit } from '../placement.js';
import { QuarantineLog } from '../quarantine.js';
import type { Supervisor } from '../supervision.js';
import { MEMORY_STORE } from '../state-store.js';
import { LocalTransport, type DeliveryReceipt, type Transport } from '../transport.js';
import { Ref } from '../wire/ref.js';
import type { EndpointHandler } from './endpoints.js';
import { MainRouter } from './main-router.js';
import { NodeControl } from './node-control.js';
import { NodeMembership, firstView, type ClusterParts, type ClusterStatus } from './node-membership.js';
import { resolveNodeOptions, type NodeOptions, type ResolvedNodeOptions } from './node-options.js';
import { NodeServices } from './node-services.js';
import type { MainService } from '../services.js';
import { NodeSupervisor, type WorkerHandle } from './node-supervisor.js';
import { quarantineBlocked } from './blocked-message.js';
import type { SupervisionTree } from './supervision-tree.js';
import { StateCopyLinks } from './state-copy-links.js';
import { preloadOf } from '../host/worker-boot.js';

export type { ClusterParts, ClusterStatus } from './node-membership.js';

/** Refs the node keeps for its own sends (the gateway's asks); past this they are made again. */
const MAX_CACHED_REFS = 100_000;

/**
 * A node: the main thread's router and endpoints plus W worker threads hosting the actors. Every
 * thread gets a MessagePort to every other thread (a full mesh), so actor-to-actor messages
 * between workers never pass through the main thread. What it does is in its parts: the router
 * (MainRouter), the membership it follows (NodeMembership), the control plane over its workers
 * (NodeControl) and the supervisor of its worker threads (NodeSupervisor); this class composes
 * them and is the node's one public face.
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
  readonly #router: MainRouter;
  readonly #transport: Transport;
  readonly #membership: NodeMembership;
  readonly #control: NodeControl;
  /** The main thread's Refs, by kind then id: a Ref keeps its actor's location between sends. */
  readonly #refs = new Map<string, Map<string, Ref>>();
  #refCount = 0;
  #blockedCount = 0;
  #closed = false;
  #closing: Promise<void> | null = null;
  readonly #closeHooks: (() => Promise<void> | void)[] = [];
  readonly #services: NodeServices;
  /** The copy of the workers' last saved state a restarted worker's actors come back from; null: none kept. */
  readonly #stateCopy: StateCopyLinks | null;

  private constructor(options: ResolvedNodeOptions, placement: Placement, supervisor: Supervisor, cluster: ClusterParts | null, self: NodeMember, members: NodeMember[], services: NodeServices) {
    this.id = options.nodeId;
    this.#services = services;
    this.options = options;
    this.log = createLogger('glass', options.logLevel, { node: options.nodeId, thread: 0 });
    this.#router = new MainRouter({
      nodeId: options.nodeId,
      placement,
      clock: options.clock ?? systemClock,
      pinnedKinds: options.pinnedKinds,
      defaultAskTimeoutMs: options.askTimeoutMs,
      maxBatch: options.maxBatch,
      onDeadLetter: (letter) => this.deadLetters.record(letter),
      onQuarantined: (entry) => this.quarantine.record(entry),
    });
    this.#transport = cluster?.transport ?? new LocalTransport(options.nodeId);
    this.#router.setTransport(this.#transport);
    this.supervisor = new NodeSupervisor({
      workers: options.workers,
      router: this.#router,
      clock: options.clock ?? systemClock,
      log: this.log,
      init: (thread, ports) => this.#init(thread, ports),
      resourceLimits: options.resourceLimits,
      supervisor,
      blockedAfterMs: options.blockedAfterMs,
      sparePreload: options.spareWorker ? preloadOf(options.actorModules, [options.store, options.placement, options.supervisor, ...options.services.map(([, s]) => s.worker), ...(options.workerStreams === null ? [] : [options.workerStreams])]) : null,
    });
    // The message a blocked worker was handling is quarantined before the worker ends, so that
    // redelivery (below) does not hand it to the replacement.
    this.supervisor.onBlocked((handle, blocked) => {
      const entry = quarantineBlocked(this.#router, this.quarantine, blocked, `blocked-${handle.thread}-${++this.#blockedCount}`);
      if (entry !== null) this.log.error({ thread: handle.thread, actor: entry.to, messageType: entry.messageType, quarantineId: entry.id, blockedForMs: entry.blockedForMs }, 'message quarantined: it blocked its worker');
    });
    this.#stateCopy = options.stateCopyBytes === 0 ? null : new StateCopyLinks(options.stateCopyBytes, (key, thread) => this.#placedOn(key, thread));
    // First: what the dead worker reported is read to the end before anything restarts it.
    this.supervisor.onExit((handle) => this.#stateCopy?.workerDied(handle.thread));
    // What a dead worker held from other nodes goes to its replacement (the link holds it).
    this.supervisor.onExit((handle) => this.#router.redeliver(handle.thread));
    this.#membership = new NodeMembership(self, members, cluster, this.#router, () => this.supervisor.live(), this.log);
    // Another node may own (and write) some of these actors from now on: the copy is forgotten.
    this.#membership.onChanging(() => this.#stateCopy?.clear());
    // A worker that started during a change was not given it (it was not live): it gets the view
    // now, and lets go of the documents it was handed.
    this.supervisor.onRestart((handle) => {
      if (this.#stateCopy?.handedBeforeChange(handle.thread) === true) void handle.control.setMembers(this.#membership.members, []).catch(() => 0);
    });
    this.#control = new NodeControl(this.id, this.supervisor, (id) => this.threadOf(id));
    this.#router.endpoints.bind(addressKey(NODE_KIND, this.id), (msg) => this.#control.onNodeMessage(msg));
  }

  /** The worker threads, 1..W at indexes 0..W-1, whatever their status. */
  get workers(): readonly WorkerHandle[] {
    return this.supervisor.handles;
  }

  /**
   * Starts a node: alone, or in a cluster when `cluster` is given (its membership already
   * started, so that the first placement is the cluster's).
   */
  static async start(input: NodeOptions, cluster?: ClusterParts): Promise<GlassNode> {
    const options = resolveNodeOptions(input, MEMORY_STORE);
    const createPlacement = await loadExport<(init: PlacementInit) => Placement>(options.placement, 'placement');
    const self = { id: options.nodeId, workers: options.workers };
    const members = firstView(self, cluster ?? null);
    // The same supervisor module the workers load: here it decides the worker threads' restarts.
    const createSupervisor = await loadExport<(options: unknown) => Supervisor>(options.supervisor, 'supervisor');
    const supervisor = createSupervisor(options.supervisor.options);
    // Main-thread parts of the services first: every worker is given a port to each.
    const services = await NodeServices.start(options.services, options.nodeId);
    const node = new GlassNode(options, createPlacement({ members, options: options.placement.options }), supervisor, cluster ?? null, self, members, services);
    try {
      await node.supervisor.start();
      // Workers started before a change that came meanwhile get the view now.
      if (cluster !== undefined) await node.#membership.push();
      // Workers first: a delivery may go to any of them.
      await node.#transport.start((batch, receipt) => node.acceptDeliveries(batch, receipt));
    } catch (err) {
      await node.close();
      throw err;
    }
    node.log.info({ workers: options.workers, members: members.map((m) => m.id) }, 'node started');
    return node;
  }

  /**
   * A batch from the transport (or claimed from a dead node's stream): every envelope goes where
   * its actor lives now, and the receipt is acknowledged once each was handled.
   */
  acceptDeliveries(batch: readonly Envelope[], receipt: DeliveryReceipt): void {
    if (this.#closed) return; // not acknowledged: the entry stays pending for the next reader
    for (const e of batch) this.#router.deliverRemote(e, receipt);
  }

  /** Envelopes the transport gave up on: asks are answered with `error`, tells become dead letters. */
  refuseUndeliverable(envelopes: readonly Envelope[], error: GlassError): void {
    for (const e of envelopes) this.#router.refuse(e, error, 'undeliverable');
  }

  /** Live members of the cluster (this node alone when not in one), sorted by id. */
  members(): readonly NodeMember[] {
    return this.#membership.members;
  }

  /** Called after a membership change was applied on every thread and moved actors were passivated. */
  onMembers(listener: (members: readonly NodeMember[]) => void): () => void {
    return this.#membership.onMembers(listener);
  }

  /** Where an actor lives under the current placement. */
  locate(kind: string, id: string): Location {
    validateAddress(kind, id);
    return this.#router.locate(kind, id);
  }

  clusterStatus(): ClusterStatus {
    return this.#membership.status();
  }

  #init(thread: number, ports: (MessagePort | null)[]): Omit<WorkerInit, 'pulse' | 'beatEveryMs'> {
    const o = this.options;
    return {
      nodeId: this.id,
      thread,
      members: this.#membership.members,
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
      services: this.#services.forWorker(thread),
      stateCopy: this.#stateCopy?.forWorker(thread) ?? null,
      remote: o.workerStreams,
    };
  }

  /** The actor of a copied document (`kind:id`) is placed on this node's `thread` now. */
  #placedOn(key: string, thread: number): boolean {
    const colon = key.indexOf(':');
    if (colon < 0) return false;
    const at = this.#router.placement.locate(key.slice(colon + 1));
    return at.node === this.id && at.thread === thread;
  }

  /** The node's copy of its workers' saved state: documents held, bytes, evictions, documents handed to restarted workers; null when off. */
  stateCopyStats(): ReturnType<StateCopyLinks['stats']> | null {
    return this.#stateCopy?.stats() ?? null;
  }

  /**
   * A Ref to any actor of the cluster, usable from the main thread. The same Ref comes back for
   * the same actor (it remembers where the actor is), so a frame does not pay for a new one.
   */
  ref(kind: string | { readonly kind: string }, id: string): Ref {
    this.#assertOpen();
    const k = typeof kind === 'string' ? kind : kind.kind;
    let byId = this.#refs.get(k);
    if (byId === undefined) this.#refs.set(k, (byId = new Map()));
    let ref = byId.get(id);
    if (ref === undefined) {
      ref = new Ref(k, id, this.#router, null);
      // Bounded: a tool sending to millions of actors must not keep a Ref for each.
      if (++this.#refCount > MAX_CACHED_REFS) {
        this.#refs.clear();
        this.#refs.set(k, (byId = new Map()));
        this.#refCount = 1;
      }
      byId.set(id, ref);
    }
    return ref;
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
    return this.#router.endpoints.bind(addressKey(address.kind, address.id), handler);
  }

  /** Which thread of its node hosts an actor id (1..W), by the node's placement. */
  threadOf(id: string): number {
    return this.#router.placement.locate(id).thread;
  }

  inspect(filter?: { kind?: string; limit?: number }): Promise<{ thread: number; actors: ActorSnapshot[] }[]> {
    return this.#control.inspect(filter);
  }

  /**
   * The live supervision tree: every worker (running, backing off after a crash, …) with its
   * restarts and last exit, and under it every active actor with status, restarts and last failure,
   * children nested under the actor that spawned them. A worker that is down shows no actors.
   */
  supervisionTree(filter?: { kind?: string; limit?: number }): Promise<SupervisionTree> {
    return this.#control.supervisionTree(filter);
  }

  /** The ops sample of every live worker (aggregates per kind, notable actors, rates since the last sample). */
  sampleWorkers(options?: SampleOptions): Promise<WorkerSample[]> {
    return this.#control.sampleWorkers(options);
  }

  /** One page of the actors of one worker (1..W) matching a query; empty when the worker is down. */
  findActors(thread: number, query?: ActorQuery): Promise<{ total: number; actors: ActorSample[] }> {
    return this.#control.findActors(thread, query);
  }

  /** The main-thread part of a node service (runtime/services.ts), for main-thread code such as the moderation desk; undefined when it has none. */
  mainService<T extends MainService = MainService>(name: string): T | undefined {
    return this.#services.main(name) as T | undefined;
  }

  stats(): Promise<WorkerStats[]> {
    return this.#control.stats();
  }

  /** Passivates one actor wherever it lives on this node. */
  passivate(kind: string, id: string): Promise<boolean> {
    return this.#control.passivate(kind, id);
  }

  /** Ops restart of one actor: a stopped or quarantined actor comes back from its stored state. */
  restart(kind: string, id: string): Promise<boolean> {
    return this.#control.restart(kind, id);
  }

  /**
   * Sends a quarantined message to its actor again (after the bug is fixed), as a tell from
   * "@quarantine"; returns false if there is no such entry, or if it is a message that blocked its
   * worker whose content the node never had (`redrivable: false`). The entry leaves the quarantine.
   */
  redrive(quarantineId: string): boolean {
    const found = this.quarantine.list().find((q) => q.id === quarantineId);
    if (found === undefined || (found as { redrivable?: boolean }).redrivable === false) return false;
    const entry = this.quarantine.take(quarantineId)!;
    const kind = entry.to.slice(0, entry.to.indexOf(':'));
    this.tellAs('@quarantine', { kind, id: entry.to.slice(kind.length + 1) }, entry.message);
    return true;
  }

  /** Saves every write-behind actor with unsaved changes on every worker now. */
  flush(): Promise<void> {
    return this.#control.flush();
  }

  /** Passivates every actor of one worker (1..W), saving their state. */
  drainWorker(thread: number): Promise<number> {
    return this.#control.drainWorker(thread);
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
    // Leaves the cluster first (its actors placed on the others and saved here), then stops.
    await this.#membership.leave();
    this.#closed = true;
    await this.supervisor.close();
    this.#stateCopy?.close();
    await this.#services.close();
    this.#router.close(new GlassError(ErrorCodes.NODE_CLOSED, 'node closed'));
    await this.#transport.close();
    for (const fn of this.#closeHooks.reverse()) {
      await Promise.resolve()
        .then(fn)
        .catch((err: unknown) => this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'close hook failed'));
    }
    this.log.info('node closed');
  }

  #assertOpen(): void {
    if (this.#closed) throw new GlassError(ErrorCodes.NODE_CLOSED, 'node is closed');
  }
}

export function startNode(options: NodeOptions, cluster?: ClusterParts): Promise<GlassNode> {
  return GlassNode.start(options, cluster);
}
