import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { addressKey, validateAddress, type Address } from './address.js';
import { systemClock } from './clock.js';
import type { WorkerControl, WorkerInit, WorkerStats } from './control-api.js';
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

const MEMORY_STORE = { module: new URL('./state-store.js', import.meta.url).href, export: 'createMemoryStateStore' };

export interface WorkerHandle {
  readonly thread: number;
  readonly control: Comlink.Remote<WorkerControl>;
  readonly worker: Worker;
  alive: boolean;
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
  readonly log: Logger;
  readonly workers: WorkerHandle[] = [];
  readonly #router: Router;
  readonly #endpoints: EndpointTable;
  readonly #transport: Transport;
  #closed = false;
  #closing: Promise<void> | null = null;

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
    });
    this.#endpoints = new EndpointTable(this.#router);
    this.#router.setLocal(this.#endpoints);
    this.#transport = new LocalTransport(options.nodeId);
    this.#router.setTransport(this.#transport);
  }

  static async start(input: NodeOptions): Promise<GlassNode> {
    const options = resolveNodeOptions(input, MEMORY_STORE);
    const createPlacement = await loadExport<(init: PlacementInit) => Placement>(options.placement, 'placement');
    const members = [{ id: options.nodeId, workers: options.workers }];
    const node = new GlassNode(options, createPlacement({ members, options: options.placement.options }));
    await node.#transport.start((batch) => batch.forEach((e) => node.#router.deliverInbound(e)));
    try {
      await node.#spawnWorkers(members);
    } catch (err) {
      await node.close();
      throw err;
    }
    node.log.info({ workers: options.workers }, 'node started');
    return node;
  }

  async #spawnWorkers(members: WorkerInit['members']): Promise<void> {
    const W = this.options.workers;
    // ports[a][b]: the port thread a uses to talk to thread b.
    const ports: (MessagePort | null)[][] = Array.from({ length: W + 1 }, () => new Array<MessagePort | null>(W + 1).fill(null));
    for (let a = 0; a <= W; a++) {
      for (let b = a + 1; b <= W; b++) {
        const { port1, port2 } = new MessageChannel();
        ports[a][b] = port1;
        ports[b][a] = port2;
      }
    }
    for (let b = 1; b <= W; b++) this.#router.attach(b, ports[0][b]!);
    const url = new URL('./worker-entry.js', import.meta.url);
    for (let thread = 1; thread <= W; thread++) {
      const init: WorkerInit = {
        nodeId: this.id,
        thread,
        members,
        ports: ports[thread],
        actorModules: [...this.options.actorModules],
        store: this.options.store,
        placement: this.options.placement,
        pinnedKinds: [...this.options.pinnedKinds],
        idleAfterMs: this.options.idleAfterMs,
        sweepIntervalMs: this.options.sweepIntervalMs,
        askTimeoutMs: this.options.askTimeoutMs,
        maxBatch: this.options.maxBatch,
        logLevel: this.options.logLevel,
      };
      const transfer = ports[thread].filter((p): p is MessagePort => p !== null);
      const worker = new Worker(url, { workerData: init, transferList: transfer, resourceLimits: this.options.resourceLimits });
      const handle: WorkerHandle = { thread, worker, control: Comlink.wrap<WorkerControl>(nodeEndpoint(worker)), alive: true };
      worker.on('error', (err) => this.log.error({ thread, err: err.message }, 'worker failed'));
      worker.on('exit', (code) => {
        handle.alive = false;
        this.#router.detach(thread);
        if (!this.#closed) this.log.error({ thread, code }, 'worker exited');
      });
      this.workers.push(handle);
    }
    await Promise.all(
      this.workers.map((w) =>
        Promise.race([
          w.control.ready(),
          new Promise((_, reject) => w.worker.once('exit', (code) => reject(new GlassError(ErrorCodes.WORKER_FAILED, `worker ${w.thread} exited during start (code ${code})`)))),
        ]),
      ),
    );
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

  async stats(): Promise<WorkerStats[]> {
    return Promise.all(this.#live().map((w) => w.control.stats()));
  }

  /** Passivates one actor wherever it lives on this node. */
  async passivate(kind: string, id: string): Promise<boolean> {
    const w = this.workers[this.threadOf(id) - 1];
    return w !== undefined && w.alive ? w.control.passivate(kind, id) : false;
  }

  /** Passivates every actor of one worker (1..W), saving their state. */
  async drainWorker(thread: number): Promise<number> {
    const w = this.workers[thread - 1];
    if (w === undefined || !w.alive) throw new GlassError(ErrorCodes.WORKER_FAILED, `no live worker ${thread}`);
    return w.control.drain();
  }

  /** Drains every worker (state saved), stops them and closes the node. Idempotent: every call gets the same promise. */
  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled(this.#live().map((w) => w.control.close()));
    this.#router.close(new GlassError(ErrorCodes.NODE_CLOSED, 'node closed'));
    await Promise.allSettled(this.workers.map((w) => w.worker.terminate()));
    await this.#transport.close();
    this.log.info('node closed');
  }

  #live(): WorkerHandle[] {
    return this.workers.filter((w) => w.alive);
  }

  #assertOpen(): void {
    if (this.#closed) throw new GlassError(ErrorCodes.NODE_CLOSED, 'node is closed');
  }
}

export function startNode(options: NodeOptions): Promise<GlassNode> {
  return GlassNode.start(options);
}
