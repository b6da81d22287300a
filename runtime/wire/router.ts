import type { MessagePort } from 'node:worker_threads';
import { kindOfKey, idOfKey } from '../address.js';
import { Handoffs } from './handoff.js';
import { CellStatus, OUTBOX_OPEN, type ActorCell } from '../host/actor-cell.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { DeadLetter } from '../dead-letters.js';
import { Envelope, Lane, MessageIds, NO_REPLY, messageType, nextPairEpoch } from '../envelope.js';
import { AskTimeoutError, ErrorCodes, GlassError, errorFromWire, type WireError } from '../errors.js';
import { PairSequencer } from './pair-sequencer.js';
import type { Location, NodeMember, Placement } from '../placement.js';
import { BatchTag, PortLink } from './port-link.js';
import { SpanKind } from '@opentelemetry/api';
import { edgeTraceparent, endHop, startHop, traceparentOf } from '../trace.js';
import type { QuarantinedMessage } from '../quarantine.js';
import { MAX_DELIVERY_ATTEMPTS, Receipts } from './receipts.js';
import type { DeliveryReceipt, Transport } from '../transport.js';
import { WireDecoder } from './wire-codec.js';

/** Whatever consumes envelopes addressed to this thread: the actor host, or main-thread endpoints. */
export interface LocalSink {
  deliver(e: Envelope): void;
  /** The active cell for a key, if this sink hosts cells (lets a Ref skip the lookup next time). */
  activeCell?(key: string): ActorCell | undefined;
  /** Delivers to a cell known to be the active one for e.to. */
  deliverTo?(cell: ActorCell, e: Envelope): void;
}

/**
 * What a Ref remembers between sends so that the next one skips work: the location (valid while
 * the placement version is unchanged), the sender's sequence slot for this receiver, and the
 * receiver's cell when it is active on this very thread.
 */
export interface RouteCache {
  readonly kind: string;
  readonly id: string;
  readonly key: string;
  loc: Location | null;
  locVersion: number;
  /** Last sequence number sent through this ref (refs made by an actor are one per receiver). */
  seq: number;
  /** The pair's incarnation, taken at its first send (see nextPairEpoch). */
  seqEpoch: number;
  cell: ActorCell | null;
}

interface PendingAsk {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: TimerHandle;
}

export interface RouterOptions {
  nodeId: string;
  /** 0 for the main thread, 1..W for workers. */
  thread: number;
  placement: Placement;
  clock: Clock;
  /** Kinds whose actors live on the main thread of the node named by their id (e.g. "gateway"). */
  pinnedKinds: readonly string[];
  defaultAskTimeoutMs: number;
  maxBatch: number;
  /** Where dead letters of this thread go (the main thread keeps the node's log). */
  onDeadLetter: (letter: DeadLetter) => void;
  /** Main thread: where quarantined messages reported by workers go. */
  onQuarantined?: (entry: QuarantinedMessage) => void;
}

/**
 * One per thread. Decides where an envelope goes (this thread, another thread of this node over a
 * MessagePort, or another node over the Transport), keeps this thread's pending asks and settles
 * their replies. Every thread of a node has the same placement, so workers route to each other
 * directly and the main thread only sees what is addressed to it.
 */
export class Router {
  readonly nodeId: string;
  readonly thread: number;
  readonly ids = new MessageIds();
  readonly clock: Clock;
  readonly placement: Placement;
  readonly #links: (PortLink | undefined)[] = [];
  readonly #pending = new Map<number, PendingAsk>();
  readonly #pinned: ReadonlySet<string>;
  readonly #defaultAskTimeoutMs: number;
  readonly #maxBatch: number;
  readonly #onDeadLetter: (letter: DeadLetter) => void;
  readonly #onQuarantined: ((entry: QuarantinedMessage) => void) | undefined;
  /** Main thread: envelopes from other nodes that a worker has not yet reported handled. */
  readonly receipts = new Receipts();
  #local: LocalSink | null = null;
  #transport: Transport | null = null;
  #nextAsk = 1;
  #closed = false;
  /** Asks a moved actor's previous node to let go before a first activation here. */
  readonly handoffs = new Handoffs(this);
  /** Sequencer for sends made from outside any actor but under a sender name (e.g. the gateway). */
  readonly #edgeSequencers = new Map<string, PairSequencer>();
  /** Main thread: the sequencer of sends from outside any actor and any name (sender `@<node>`). */
  readonly #edge = new PairSequencer();

  constructor(options: RouterOptions) {
    this.nodeId = options.nodeId;
    this.thread = options.thread;
    this.placement = options.placement;
    this.clock = options.clock;
    this.#pinned = new Set(options.pinnedKinds);
    this.#defaultAskTimeoutMs = options.defaultAskTimeoutMs;
    this.#maxBatch = options.maxBatch;
    this.#onDeadLetter = options.onDeadLetter;
    this.#onQuarantined = options.onQuarantined;
  }

  get pendingAsks(): number {
    return this.#pending.size;
  }

  setLocal(sink: LocalSink): void {
    this.#local = sink;
  }

  setTransport(transport: Transport): void {
    this.#transport = transport;
  }

  /**
   * Connects the port to `thread` in both directions. Attaching a thread again (its worker was
   * restarted) sends the new port what the link held meanwhile.
   */
  attach(thread: number, port: MessagePort): void {
    const existing = this.#links[thread];
    if (existing === undefined) this.#links[thread] = new PortLink(port, this.#maxBatch, (e, reason) => this.#unsendable(e, reason), thread === 0);
    else existing.reattach(port);
    const decoder = new WireDecoder();
    const deliver = (e: Envelope): void => this.deliverInbound(e);
    let received = 0;
    let taken: Int32Array | null = null;
    port.on('message', (data: unknown[]) => {
      switch (data[0]) {
        case BatchTag.ENVELOPES: {
          decoder.decode(data, thread, deliver);
          // Acknowledged now, before any handler of this batch can run: a message that kills its
          // worker must not be sent again to the replacement (it would kill that one too).
          Atomics.store(taken!, 0, ++received);
          return;
        }
        case BatchTag.ACK_COUNTER:
          taken = new Int32Array(data[1] as SharedArrayBuffer);
          return;
        case BatchTag.DEAD_LETTERS:
          for (let i = 1; i < data.length; i++) this.#onDeadLetter(data[i] as DeadLetter);
          return;
        case BatchTag.QUARANTINED:
          for (let i = 1; i < data.length; i++) this.#onQuarantined?.(data[i] as QuarantinedMessage);
          return;
        case BatchTag.HANDLED:
          for (let i = 1; i < data.length; i++) this.receipts.handled(data[i] as number);
          return;
      }
    });
  }

  /** The thread's worker died: hold what is (and was, unacknowledged) sent to it until it is attached again. */
  hold(thread: number): void {
    this.#links[thread]?.hold();
  }

  /** The thread went away for good (shutdown): what is sent to it from now on is refused. */
  detach(thread: number): void {
    this.#links[thread]?.close();
  }

  locate(kind: string, id: string): Location {
    return this.#pinned.has(kind) ? { node: id, thread: 0 } : this.placement.locate(id);
  }

  /** A new membership: the placement is rebuilt and every cached location goes stale. */
  setMembers(members: readonly NodeMember[], down: readonly string[] = []): void {
    this.placement.setMembers(members);
    this.handoffs.changed(down);
  }

  /** Whether the actor at `key` belongs on this very thread under the current placement. */
  owns(key: string): boolean {
    const loc = this.locate(kindOfKey(key), idOfKey(key));
    return loc.node === this.nodeId && loc.thread === this.thread;
  }

  /** Sends an envelope on to wherever its actor belongs now (it moved, or was never here). */
  forward(e: Envelope): void {
    this.#dispatch(e, this.locate(kindOfKey(e.to), idOfKey(e.to)));
  }

  /** The hot path: a send through a Ref, using and refreshing what the Ref remembers. */
  sendVia(target: RouteCache, from: ActorCell | null, msg: unknown, lane: Lane, replyThread: number, replyId: number, trace = from?.current?.trace): void {
    if (from !== null && from.outbox !== null && replyThread === NO_REPLY) return this.#park(from, target, msg, lane);
    const key = target.key;
    let loc = target.loc;
    if (loc === null || target.locVersion !== this.placement.version) {
      loc = target.loc = this.locate(target.kind, target.id);
      target.locVersion = this.placement.version;
    }
    let e: Envelope;
    if (from === null) {
      e = this.#edgeEnvelope(key, msg, lane, replyThread, replyId);
    } else {
      this.#check(key, msg);
      if (target.seq === 0) target.seqEpoch = nextPairEpoch();
      e = new Envelope(key, from.key, this.ids.next(), ++target.seq, msg, trace, lane, replyThread, replyId, this.thread);
      e.seqEpoch = target.seqEpoch;
    }
    if (loc.thread === this.thread && loc.node === this.nodeId) {
      const local = this.#local!;
      let cell = target.cell;
      if ((cell === null || cell.status !== CellStatus.ACTIVE) && local.activeCell !== undefined) cell = target.cell = local.activeCell(key) ?? null;
      if (cell !== null) return local.deliverTo!(cell, e);
    }
    this.#dispatch(e, loc);
  }

  /** A tell made while its sender's outbox is open waits there for the sender's state to be saved. */
  #park(from: ActorCell, target: RouteCache, msg: unknown, lane: Lane): void {
    this.#check(target.key, msg);
    if (from.outbox === OUTBOX_OPEN) from.outbox = [];
    (from.outbox as unknown[]).push(target, msg, lane, from.current?.trace);
  }

  /** Sends what an actor's outbox holds, in order, now that the state behind it is saved. */
  release(from: ActorCell, outbox: readonly unknown[]): void {
    for (let i = 0; i < outbox.length; i += 4) {
      this.sendVia(outbox[i] as RouteCache, from, outbox[i + 1], outbox[i + 2] as Lane, NO_REPLY, 0, outbox[i + 3] as string | undefined);
    }
  }

  /** Sends from outside any actor under a stable sender name, so the pair still gets sequence numbers. */
  sendAs(sender: string, kind: string, id: string, key: string, msg: unknown): void {
    this.#check(key, msg);
    let sequencer = this.#edgeSequencers.get(sender);
    if (sequencer === undefined) this.#edgeSequencers.set(sender, (sequencer = new PairSequencer()));
    const e = new Envelope(key, sender, this.ids.next(), sequencer.next(key), msg, edgeTraceparent(), Lane.USER, NO_REPLY, 0, this.thread);
    e.seqEpoch = sequencer.epoch;
    this.#dispatch(e, this.locate(kind, id));
  }

  /** Sends an ask through a Ref; resolves with the reply or rejects with a GlassError. */
  ask(target: RouteCache, from: ActorCell | null, msg: unknown, timeoutMs?: number): Promise<unknown> {
    const askId = this.#nextAsk++;
    const timeout = timeoutMs ?? this.#defaultAskTimeoutMs;
    this.#check(target.key, msg);
    return new Promise<unknown>((resolve, reject) => {
      // Registered before sending: a refusal on this very thread answers synchronously.
      const timer = this.clock.setTimeout(() => {
        if (this.#pending.delete(askId)) reject(new AskTimeoutError(target.key, messageType(msg), timeout));
      }, timeout);
      this.#pending.set(askId, { resolve, reject, timer });
      this.sendVia(target, from, msg, Lane.USER, this.thread, askId);
    });
  }

  #check(key: string, msg: unknown): void {
    // Refs held past close must fail loudly, not turn every send into a 'link-closed' dead letter.
    if (this.#closed) throw new GlassError(ErrorCodes.NODE_CLOSED, `cannot send to ${key}: the node is closed`);
    if (msg === null || typeof msg !== 'object' || typeof (msg as { type?: unknown }).type !== 'string') {
      throw new GlassError(ErrorCodes.INVALID_MESSAGE, `a message must be an object with a string "type" (to ${key})`);
    }
  }

  #edgeEnvelope(key: string, msg: unknown, lane: Lane, replyThread: number, replyId: number): Envelope {
    this.#check(key, msg);
    if (this.thread !== 0) return new Envelope(key, null, this.ids.next(), 0, msg, edgeTraceparent(), lane, replyThread, replyId, this.thread);
    // The main thread's own sends (the gateway's asks, tools): sequenced per receiver under the
    // node's name, so that one delivered twice by a failover is still handled once.
    const e = new Envelope(key, null, this.ids.next(), this.#edge.next(key), msg, edgeTraceparent(), lane, replyThread, replyId, this.thread);
    e.seqEpoch = this.#edge.epoch;
    e.replyNode = this.nodeId;
    return e;
  }

  #dispatch(e: Envelope, loc: Location): void {
    if (loc.node !== this.nodeId) return this.#toNode(loc.node, e);
    if (loc.thread === this.thread) return this.#local!.deliver(e);
    const link = this.#links[loc.thread];
    if (link === undefined) return this.refuse(e, new GlassError(ErrorCodes.NO_ROUTE, `no thread ${loc.thread}`), 'no-route');
    link.push(e);
  }

  #toNode(node: string, e: Envelope): void {
    if (this.thread !== 0) return this.#links[0]!.push(e);
    if (this.#transport === null) return this.refuse(e, new GlassError(ErrorCodes.NO_ROUTE, `no transport to node ${node}`), 'no-route');
    // An ask leaving its node says where the answer goes; one passed on keeps its asker's node.
    if (e.replyThread !== NO_REPLY && e.replyNode === null) e.replyNode = this.nodeId;
    const receipt = e.receipt;
    e.receipt = 0;
    // A traced message: the stream hop is a span from the send until Redis has stored it.
    const span = e.trace === undefined ? null : startHop('glass.stream send', e.trace, { 'glass.to': e.to, 'glass.node': node }, SpanKind.PRODUCER);
    if (span !== null) e.trace = traceparentOf(span) ?? e.trace;
    try {
      this.#transport.send(node, [e]);
    } catch (err) {
      e.receipt = receipt;
      if (span !== null) endHop(span, err);
      return this.refuse(e, err instanceof GlassError ? err : new GlassError(ErrorCodes.NO_ROUTE, String(err)), 'no-route');
    }
    if (span !== null) this.#afterFlush(() => endHop(span));
    // Passed on from another node: acknowledged once the next hop has it stored.
    if (receipt !== 0) this.#afterFlush(() => this.receipts.handled(receipt));
  }

  #afterFlush(then: () => void): void {
    const flush = this.#transport?.flush;
    if (flush === undefined) return then();
    // Not acknowledged when the transport gave up: the entry stays pending and comes back.
    flush.call(this.#transport).then(then, () => {});
  }

  /** An envelope that arrived from another thread. */
  deliverInbound(e: Envelope): void {
    if (e.lane === Lane.REPLY) return this.#deliverReply(e);
    // Workers are only sent what they own; the main thread also relays for other nodes.
    if (this.thread !== 0) return this.#local!.deliver(e);
    this.#dispatch(e, this.locate(kindOfKey(e.to), idOfKey(e.to)));
  }

  /**
   * Main thread: an envelope from another node's transport. What goes on to a worker is tracked
   * until the worker reports it handled; the receipt is acknowledged then (see Receipts).
   */
  deliverRemote(e: Envelope, receipt: DeliveryReceipt): void {
    if (e.lane === Lane.REPLY) {
      this.#deliverReply(e);
      return receipt.ackOne();
    }
    const loc = this.locate(kindOfKey(e.to), idOfKey(e.to));
    e.receipt = this.receipts.track(receipt, e, loc.node === this.nodeId ? loc.thread : 0);
    this.#dispatch(e, loc);
  }

  /**
   * Main thread: a worker died holding envelopes from other nodes; they go to its replacement
   * (through the held link), except one that was in a worker that died this often: it is taken
   * for the killer and refused (a dead letter), so that it cannot kill every replacement.
   */
  redeliver(thread: number): void {
    const link = this.#links[thread];
    for (const { receipt, e, attempts } of this.receipts.takeThread(thread)) {
      if (attempts >= MAX_DELIVERY_ATTEMPTS || link === undefined) {
        this.refuse(e, new GlassError(ErrorCodes.WORKER_FAILED, `${e.to}'s worker died ${attempts} times holding this message`), 'worker-died');
        receipt.ackOne();
        continue;
      }
      e.receipt = this.receipts.track(receipt, e, thread, attempts + 1);
      link.push(e);
    }
  }

  #deliverReply(r: Envelope): void {
    if (r.replyNode !== null && r.replyNode !== this.nodeId) return this.#toNode(r.replyNode, r);
    if (r.replyThread === this.thread) return this.#settle(r);
    this.#links[r.replyThread]?.push(r);
  }

  /**
   * The envelope was handled (or refused, or given up): if it came from another node, the
   * main thread may now acknowledge its stream entry.
   */
  handled(e: Envelope): void {
    const receipt = e.receipt;
    if (receipt === 0) return;
    e.receipt = 0;
    if (this.thread === 0) this.receipts.handled(receipt);
    else this.#links[0]?.pushEvent(BatchTag.HANDLED, receipt);
  }

  /** Answers an ask (no-op for a tell). `error` wins over `value` when given. */
  reply(e: Envelope, value: unknown, error?: WireError): void {
    if (e.replyThread === NO_REPLY) return;
    const msg = error === undefined ? { ok: value } : { error };
    const r = new Envelope(e.from ?? '', e.to, this.ids.next(), 0, msg, e.trace, Lane.REPLY, e.replyThread, e.replyId, this.thread);
    r.replyNode = e.replyNode;
    this.#deliverReply(r);
  }

  #settle(r: Envelope): void {
    const pending = this.#pending.get(r.replyId);
    if (pending === undefined) return; // timed out already: the late answer is dropped
    this.#pending.delete(r.replyId);
    this.clock.clearTimeout(pending.timer);
    const msg = r.msg as { ok?: unknown; error?: WireError };
    if (msg.error !== undefined) pending.reject(errorFromWire(msg.error));
    else pending.resolve(msg.ok);
  }

  /** Refuses an envelope: an ask is answered with the error, a tell becomes a dead letter. */
  refuse(e: Envelope, error: GlassError, reason: string): void {
    if (e.lane === Lane.REPLY) return;
    this.handled(e);
    if (e.replyThread !== NO_REPLY) return this.reply(e, undefined, error.toWire());
    this.#onDeadLetter({ to: e.to, from: e.from, messageType: messageType(e.msg), reason, at: this.clock.now() });
  }

  #unsendable(e: Envelope, reason: string): void {
    const code = reason === 'not-cloneable' ? ErrorCodes.INVALID_MESSAGE : ErrorCodes.WORKER_FAILED;
    this.refuse(e, new GlassError(code, `message to ${e.to} could not be sent (${reason})`), reason);
  }

  /** On a worker: hands a dead letter to the main thread, which keeps the node's log. */
  forwardDeadLetter(letter: DeadLetter): void {
    this.#links[0]?.pushEvent(BatchTag.DEAD_LETTERS, letter);
  }

  /** On a worker: hands a quarantined message to the main thread, which keeps the node's quarantine. */
  forwardQuarantined(entry: QuarantinedMessage): void {
    this.#links[0]?.pushEvent(BatchTag.QUARANTINED, entry);
  }

  /** Rejects every pending ask (shutdown), closes every link; later sends throw GLASS_ERR_NODE_CLOSED. */
  close(error: Error): void {
    this.#closed = true;
    for (const [askId, pending] of this.#pending) {
      this.#pending.delete(askId);
      this.clock.clearTimeout(pending.timer);
      pending.reject(error);
    }
    for (const link of this.#links) link?.close();
  }
}
