import { idOfKey, kindOfKey } from '../address.js';
import type { DeadLetter } from '../dead-letters.js';
import { Envelope, Lane, NO_REPLY } from '../envelope.js';
import { ErrorCodes, GlassError } from '../errors.js';
import type { Location } from '../placement.js';
import type { DeliveryReceipt } from '../transport.js';
import type { QuarantinedMessage } from '../quarantine.js';
import { edgeTraceparent } from '../trace.js';
import { BatchTag } from './port-link.js';
import type { LocalSink } from './route.js';
import { MAIN_THREAD, Router, type RouterOptions } from './router.js';

/**
 * A worker's own way to other nodes (NodeOptions.workerStreams; cluster/streams/worker-streams.ts):
 * envelopes go straight to the stream of the thread that owns their actor (or asked), without the
 * main threads of either node.
 */
export interface NodeLink {
  /** Queues `e` for `thread` of `node` (0: that node's main thread); throws a GlassError for what it refuses at once. */
  send(node: string, thread: number, e: Envelope): void;
  /** Resolves when everything sent before the call is stored; rejects if some was given up. */
  flush(): Promise<void>;
}

/** What a worker's NodeLink reports to the worker that made it. */
export interface NodeLinkHooks {
  /** A batch read from this worker's own stream (WorkerRouter.deliverFromStream). */
  deliver(batch: readonly Envelope[], receipt: DeliveryReceipt): void;
  /** An entry of this worker's stream that the workers before this one died holding, too often (WorkerRouter.refuseFromStream). */
  exhausted(batch: readonly Envelope[], receipt: DeliveryReceipt): void;
  /** Envelopes the link gave up on: asks are answered with `error`, tells become dead letters. */
  undeliverable(envelopes: readonly Envelope[], error: GlassError): void;
  /** Something for the node's dead-letter log (an entry that failed verification). */
  deadLetter(letter: DeadLetter): void;
  /** A line for the worker's log (never a payload, never a key). */
  log(level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string): void;
}

/** What the export named by WorkerInit.remote is called with. */
export interface NodeLinkInit {
  readonly options: unknown;
  readonly nodeId: string;
  readonly thread: number;
  readonly hooks: NodeLinkHooks;
}

/** The worker's NodeLink as the worker entry holds it: started once the router can take deliveries, closed last. */
export interface WorkerNodeLink extends NodeLink {
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface WorkerRouterOptions extends RouterOptions {
  /** 1..W: the worker's thread. */
  thread: number;
  /** Where this thread's dead letters go; by default to the main thread, which keeps the node's log. */
  onDeadLetter?: (letter: DeadLetter) => void;
}

/**
 * The router of a worker thread. Without a NodeLink a worker has no way off the node of its own:
 * what goes to another node (or is an answer for an asker there) goes to the main thread. With one
 * (worker streams) it goes straight to the other node's thread, and this worker reads its own
 * stream (deliverFromStream), acknowledging each entry once handled. What the main thread keeps
 * for the node (its dead-letter log, its quarantine, the receipts of the node stream's entries) is
 * reported to it over its link either way.
 */
export class WorkerRouter extends Router {
  readonly #onDeadLetter: ((letter: DeadLetter) => void) | undefined;
  /** The actor host, kept here too: every envelope a worker is sent goes straight to it. */
  #host: LocalSink | null = null;
  /** Not null when this worker reaches other nodes itself (worker streams). */
  #remote: NodeLink | null = null;
  /**
   * Entries of this worker's own stream being handled, by receipt. Their ids are negative, the
   * main thread's positive: what a worker reports to the main thread is never one of these.
   */
  readonly #streamReceipts = new Map<number, DeliveryReceipt>();
  #nextReceipt = 0;

  constructor(options: WorkerRouterOptions) {
    super(options, options.thread);
    this.#onDeadLetter = options.onDeadLetter;
  }

  protected deadLetter(letter: DeadLetter): void {
    if (this.#onDeadLetter === undefined) this.forwardDeadLetter(letter);
    else this.#onDeadLetter(letter);
  }

  override setLocal(sink: LocalSink): void {
    super.setLocal(sink);
    this.#host = sink;
  }

  protected edgeEnvelope(key: string, msg: unknown, lane: Lane, replyThread: number, replyId: number): Envelope {
    return new Envelope(key, null, this.ids.next(), 0, msg, edgeTraceparent(), lane, replyThread, replyId, this.thread);
  }

  /** From now on what leaves the node goes through `remote`, not through the main thread. */
  setRemote(remote: NodeLink): void {
    this.#remote = remote;
  }

  /** Entries of this worker's stream delivered and not yet handled. */
  get openStreamReceipts(): number {
    return this.#streamReceipts.size;
  }

  protected toNode(node: string, e: Envelope): void {
    if (this.#remote === null) return this.link(MAIN_THREAD)!.push(e);
    // A reply goes to its asker's thread, anything else to the thread that owns its actor there.
    const thread = e.lane === Lane.REPLY ? e.replyThread : this.locate(kindOfKey(e.to), idOfKey(e.to)).thread;
    this.#toThread(node, thread, e);
  }

  /** Over the worker's own link: to `thread` of `node`; an envelope it holds a receipt of is acknowledged once stored. */
  #toThread(node: string, thread: number, e: Envelope): void {
    // An ask leaving its node says where the answer goes; one passed on keeps its asker's node.
    if (e.replyThread !== NO_REPLY && e.replyNode === null) e.replyNode = this.nodeId;
    const receipt = e.receipt;
    e.receipt = 0;
    try {
      this.#remote!.send(node, thread, e);
    } catch (err) {
      e.receipt = receipt;
      return this.refuse(e, err instanceof GlassError ? err : new GlassError(ErrorCodes.NO_ROUTE, String(err)), 'no-route');
    }
    // Passed on: acknowledged once the next hop has it stored (not when Redis gave up: it comes back).
    if (receipt !== 0) this.#remote!.flush().then(() => this.#settle(receipt), () => {});
  }

  /**
   * An envelope holding an entry of this worker's stream goes to another thread of the node through
   * that thread's stream, not over the port: the entry is acknowledged once the next one is stored,
   * so a crash of either thread loses nothing.
   */
  protected override route(e: Envelope, loc: Location): void {
    if (e.receipt < 0 && loc.node === this.nodeId && loc.thread !== this.thread) return this.#toThread(this.nodeId, loc.thread, e);
    super.route(e, loc);
  }

  /**
   * A batch read from this worker's own stream: replies settle (or go on to their asker), the rest
   * goes to the actor host when this thread owns the actor, else on to its owner (the placement
   * changed). Each entry is acknowledged once every envelope of it was handled here or stored there.
   */
  deliverFromStream(batch: readonly Envelope[], receipt: DeliveryReceipt): void {
    for (const e of batch) {
      if (e.lane === Lane.REPLY) {
        this.deliverReply(e);
        receipt.ackOne();
        continue;
      }
      this.#nextReceipt = this.#nextReceipt <= -(2 ** 30) ? -1 : this.#nextReceipt - 1;
      this.#streamReceipts.set(this.#nextReceipt, receipt);
      e.receipt = this.#nextReceipt;
      const loc = this.locate(kindOfKey(e.to), idOfKey(e.to));
      if (loc.node === this.nodeId && loc.thread === this.thread) this.#host!.deliver(e);
      else this.route(e, loc);
    }
  }

  /**
   * An entry of this worker's stream that the workers before this one on this thread died holding,
   * each time: taken for the killer and refused (asks answered GLASS_ERR_WORKER_FAILED, tells
   * dead-lettered), then acknowledged, so that it cannot kill every replacement.
   */
  refuseFromStream(batch: readonly Envelope[], receipt: DeliveryReceipt): void {
    for (const e of batch) {
      if (e.lane === Lane.REPLY) continue;
      e.receipt = 0;
      this.refuse(e, new GlassError(ErrorCodes.WORKER_FAILED, `the workers of ${e.to} died holding this message`), 'worker-died');
    }
    receipt.ack();
  }

  #settle(receipt: number): void {
    if (receipt > 0) return this.link(MAIN_THREAD)?.pushEvent(BatchTag.HANDLED, receipt);
    const entry = this.#streamReceipts.get(receipt);
    if (entry === undefined) return;
    this.#streamReceipts.delete(receipt);
    entry.ackOne();
  }

  /** Workers are only sent what they own (or replies to their own asks). */
  deliverInbound(e: Envelope): void {
    if (e.lane === Lane.REPLY) return this.deliverReply(e);
    this.#host!.deliver(e);
  }

  handled(e: Envelope): void {
    const receipt = e.receipt;
    if (receipt === 0) return;
    e.receipt = 0;
    this.#settle(receipt);
  }

  /** Hands a dead letter to the main thread, which keeps the node's log. */
  forwardDeadLetter(letter: DeadLetter): void {
    this.link(MAIN_THREAD)?.pushEvent(BatchTag.DEAD_LETTERS, letter);
  }

  /** Hands a quarantined message to the main thread, which keeps the node's quarantine. */
  forwardQuarantined(entry: QuarantinedMessage): void {
    this.link(MAIN_THREAD)?.pushEvent(BatchTag.QUARANTINED, entry);
  }
}
