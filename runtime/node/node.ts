import type { MessagePort } from 'node:worker_threads';
import { NODE_KIND, addressKey, validateAddress, type Address } from '../address.js';
import { systemClock } from '../clock.js';
import type { WorkerInit, WorkerStats } from '../host/control-api.js';
import type { ActorSnapshot } from '../host/actor-host.js';
import { DeadLetterLog } from '../dead-letters.js';
import { EndpointTable, type EndpointHandler } from './endpoints.js';
import { ErrorCodes, GlassError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { loadExport } from '../module-ref.js';
import { resolveNodeOptions, type NodeOptions, type ResolvedNodeOptions } from './node-options.js';
import type { Location, NodeMember, Placement, PlacementInit } from '../placement.js';
import type { Membership } from '../membership.js';
import { Ref } from '../wire/ref.js';
import { MainRouter } from './main-router.js';
import type { Envelope } from '../envelope.js';
import { LocalTransport, type DeliveryReceipt, type Transport } from '../transport.js';
import { QuarantineLog } from '../quarantine.js';
import { MEMORY_STORE } from '../state-store.js';
import { NodeSupervisor, WorkerStatus, type WorkerHandle } from './node-supervisor.js';
import { nestActors, type SupervisionTree, type WorkerTreeNode } from './supervision-tree.js';
import type { ActorQuery, ActorSample, SampleOptions, WorkerSample } from '../host/metrics-sample.js';


/** What makes a node part of a cluster: how it reaches the others, and who they are. */
export interface ClusterParts {
  readonly transport: Transport;
  readonly membership: Membership;
  /** Extra figures for clusterStatus() (e.g. the transport's status and counters). */
  readonly status?: () => Record<string, unknown>;
}

export interface ClusterStatus {
  mode: 'single' | 'cluster';
  members: string[];
  membership: string;
  /** Envelopes from other nodes handed to a worker and not yet reported handled. */
  unackedDeliveries: number;
  [extra: string]: unknown;
}

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
  readonly #router: MainRouter;
  readonly #endpoints: EndpointTable;
  readonly #transport: Transport;
  readonly #cluster: ClusterParts | null;
  #members: NodeMember[];
  #applying: Promise<void> = Promise.resolve();
  readonly #memberListeners = new Set<(members: readonly NodeMember[]) => void>();
  #closed = false;
  #closing: Promise<void> | null = null;
  readonly #closeHooks: (() => Promise<void> | void)[] = [];

  private constructor(options: ResolvedNodeOptions, placement: Placement, cluster: ClusterParts | null, members: NodeMember[]) {
    this.id = options.nodeId;
    this.#cluster = cluster;
    this.#members = members;
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
    this.#endpoints = new EndpointTable(this.#router);
    this.#router.setLocal(this.#endpoints);
    this.#transport = cluster?.transport ?? new LocalTransport(options.nodeId);
    this.#router.setTransport(this.#transport);
    this.supervisor = new NodeSupervisor({
      workers: options.workers,
      router: this.#router,
      clock: options.clock ?? systemClock,
      log: this.log,
      init: (thread, ports) => this.#init(thread, ports),
      resourceLimits: options.resourceLimits,
    });
    // What a dead worker held from other nodes goes to its replacement (the link holds it).
    this.supervisor.onExit((handle) => this.#router.redeliver(handle.thread));
    this.#endpoints.bind(addressKey(NODE_KIND, this.id), (msg) => this.#onNodeMessage(msg));
  }

  /** This node's own endpoint: a peer that now owns an actor asks this node to let go of it. */
  async #onNodeMessage(msg: { type?: unknown; kind?: unknown; id?: unknown }): Promise<boolean> {
    if (msg.type !== 'release' || typeof msg.kind !== 'string' || typeof msg.id !== 'string') {
      throw new GlassError(ErrorCodes.UNKNOWN_MESSAGE, `${NODE_KIND} does not handle ${String(msg.type)}`);
    }
    const { kind, id } = msg;
    // Whichever worker has it (the placement may already say it is elsewhere).
    const released = await Promise.all(this.#live().map((w) => w.control.passivate(kind, id).catch(() => false)));
    return released.some(Boolean);
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
    const members = cluster === undefined ? [self] : withSelf(cluster.membership.members(), self);
    const node = new GlassNode(options, createPlacement({ members, options: options.placement.options }), cluster ?? null, members);
    // Listening from the start: a peer that joins while the workers start must not be missed.
    cluster?.membership.onChange((next, change) => void node.#applyMembers(withSelf(next, self), change.down));
    try {
      await node.supervisor.start();
      // Workers started before a change that came meanwhile get the view now.
      if (cluster !== undefined) await node.#pushMembers();
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
    return this.#members;
  }

  /** Called after a membership change was applied on every thread and moved actors were passivated. */
  onMembers(listener: (members: readonly NodeMember[]) => void): () => void {
    this.#memberListeners.add(listener);
    return () => this.#memberListeners.delete(listener);
  }

  /** Where an actor lives under the current placement. */
  locate(kind: string, id: string): Location {
    validateAddress(kind, id);
    return this.#router.locate(kind, id);
  }

  clusterStatus(): ClusterStatus {
    return {
      mode: this.#cluster === null ? 'single' : 'cluster',
      members: this.#members.map((m) => m.id),
      membership: this.#cluster?.membership.status() ?? 'single',
      unackedDeliveries: this.#router.receipts.size,
      ...this.#cluster?.status?.(),
    };
  }

  /** Gives every live worker the node's current view (in the queue of views, so in order). */
  #pushMembers(): Promise<void> {
    const push = async (): Promise<void> => {
      const members = this.#members;
      await Promise.all(this.#live().map((w) => w.control.setMembers(members, []).catch(() => 0)));
    };
    return (this.#applying = this.#applying.then(push, push));
  }

  /** Applies views one at a time, in order: placement everywhere, then moved actors passivated. */
  #applyMembers(members: NodeMember[], down: readonly string[] = []): Promise<void> {
    const apply = async (): Promise<void> => {
      if (this.#closed || sameMembers(members, this.#members)) return;
      const before = this.#members.map((m) => m.id);
      this.#members = members;
      this.#router.setMembers(members);
      const moved = await Promise.all(this.#live().map((w) => w.control.setMembers(members, [...down]).catch(() => 0)));
      this.log.info({ before, members: members.map((m) => m.id), passivated: moved.reduce((a, b) => a + b, 0) }, 'cluster changed');
      for (const listener of this.#memberListeners) listener(members);
    };
    return (this.#applying = this.#applying.then(apply, apply));
  }

  #init(thread: number, ports: (MessagePort | null)[]): WorkerInit {
    const o = this.options;
    return {
      nodeId: this.id,
      thread,
      members: this.#members,
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

  /** Which thread of its node hosts an actor id (1..W), by the node's placement. */
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

  /** The ops sample of every live worker (aggregates per kind, notable actors, rates since the last sample). */
  async sampleWorkers(options?: SampleOptions): Promise<WorkerSample[]> {
    return Promise.all(this.#live().map((w) => w.control.sample(options)));
  }

  /** One page of the actors of one worker (1..W) matching a query; empty when the worker is down. */
  async findActors(thread: number, query?: ActorQuery): Promise<{ total: number; actors: ActorSample[] }> {
    const w = this.workers[thread - 1];
    return w !== undefined && w.status === WorkerStatus.RUNNING ? w.control.actors(query) : { total: 0, actors: [] };
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
    if (this.#cluster !== null) await this.#leave(this.#cluster);
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

  /**
   * Leaves the cluster gracefully: says so (peers rebuild their rings at once), then places its own
   * actors on the others and passivates them here, so that they are saved before their new owners
   * load them, and what still arrives is forwarded.
   */
  async #leave(cluster: ClusterParts): Promise<void> {
    await this.#applying;
    const others = this.#members.filter((m) => m.id !== this.id);
    await cluster.membership.leave().catch(() => false);
    if (others.length > 0) await this.#applyMembers(others);
    await this.#applying;
  }

  #live(): WorkerHandle[] {
    return this.supervisor.live();
  }

  #assertOpen(): void {
    if (this.#closed) throw new GlassError(ErrorCodes.NODE_CLOSED, 'node is closed');
  }
}

export function startNode(options: NodeOptions, cluster?: ClusterParts): Promise<GlassNode> {
  return GlassNode.start(options, cluster);
}

/** The membership's view, with this node in it even before its own registration shows. */
function withSelf(members: readonly NodeMember[], self: NodeMember): NodeMember[] {
  const list = members.map((m) => ({ id: m.id, workers: m.workers }));
  if (!list.some((m) => m.id === self.id)) list.push(self);
  return list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function sameMembers(a: readonly NodeMember[], b: readonly NodeMember[]): boolean {
  return a.length === b.length && a.every((m, i) => m.id === b[i].id && m.workers === b[i].workers);
}
