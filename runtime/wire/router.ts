import type { MessagePort } from 'node:worker_threads';
import { kindOfKey, idOfKey } from '../address.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { DeadLetter } from '../dead-letters.js';
import { Envelope, Lane, MessageIds, NO_REPLY, messageType, nextPairEpoch, takeEnvelope } from '../envelope.js';
import { AskTimeoutError, ErrorCodes, GlassError, errorFromWire, type WireError } from '../errors.js';
import type { Location, NodeMember, Placement } from '../placement.js';
import { PortLink } from './port-link.js';
import { listenToPort } from './port-inbox.js';
import type { LocalSink, RouteCache, Sender, TellOutbox } from './route.js';

/** The thread of every node that holds its endpoints and its way to the other nodes. */
export const MAIN_THREAD = 0;

interface PendingAsk {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: TimerHandle;
}

/** What every thread's router is made with (the two halves add their own). */
export interface RouterOptions {
  nodeId: string;
  placement: Placement;
  clock: Clock;
  /** Kinds whose actors live on the main thread of the node named by their id (e.g. "gateway"). */
  pinnedKinds: readonly string[];
  defaultAskTimeoutMs: number;
  maxBatch: number;
}

/**
 * One per thread. Decides where an envelope goes (this thread, another thread of this node over a
 * MessagePort, or another node), keeps this thread's pending asks and settles their replies. Every
 * thread of a node has the same placement, so workers route to each other directly and the main
 * thread only sees what is addressed to it.
 *
 * This is the half every thread shares. What differs is in two subclasses, one per kind of thread,
 * each loaded only where it runs: WorkerRouter (wire/worker-router.ts: what leaves the node goes to
 * the main thread) and MainRouter (node/main-router.ts: the Transport, the receipts of stream
 * entries, the node's logs). A thread has exactly one of them, so every call below stays monomorphic.
 */
export abstract class Router {
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
  #local: LocalSink | null = null;
  #outbox: TellOutbox | null = null;
  #nextAsk = 1;
  #closed = false;
  readonly #inbound = (e: Envelope): void => this.deliverInbound(e);
  readonly #events = (data: unknown[]): void => this.receiveEvents(data);

  constructor(options: RouterOptions, thread: number) {
    this.nodeId = options.nodeId;
    this.thread = thread;
    this.placement = options.placement;
    this.clock = options.clock;
    this.#pinned = new Set(options.pinnedKinds);
    this.#defaultAskTimeoutMs = options.defaultAskTimeoutMs;
    this.#maxBatch = options.maxBatch;
  }

  get pendingAsks(): number {
    return this.#pending.size;
  }

  setLocal(sink: LocalSink): void {
    this.#local = sink;
  }

  /** Where the tells of a sender whose outbox is open go (the actor host's outbox). */
  setOutbox(outbox: TellOutbox): void {
    this.#outbox = outbox;
  }

  /**
   * Connects the port to `thread` in both directions. Attaching a thread again (its worker was
   * restarted) sends the new port what the link held meanwhile.
   */
  attach(thread: number, port: MessagePort): void {
    const existing = this.#links[thread];
    if (existing === undefined) this.#links[thread] = new PortLink(port, this.#maxBatch, (e, reason) => this.#unsendable(e, reason));
    else existing.reattach(port);
    listenToPort(port, thread, this.#inbound, this.#events);
  }

  /** Records another thread reported ([tag, ...records], see BatchTag); only the main thread gets any. */
  protected receiveEvents(_data: unknown[]): void {}

  /** The thread's worker died: hold what is (and was, unacknowledged) sent to it until it is attached again. */
  hold(thread: number): void {
    this.#links[thread]?.hold();
  }

  /** The thread went away for good (shutdown): what is sent to it from now on is refused. */
  detach(thread: number): void {
    this.#links[thread]?.close();
  }

  /** The link to `thread`, if this thread has one. */
  protected link(thread: number): PortLink | undefined {
    return this.#links[thread];
  }

  locate(kind: string, id: string): Location {
    return this.#pinned.has(kind) ? { node: id, thread: MAIN_THREAD } : this.placement.locate(id);
  }

  /** A new membership: the placement is rebuilt and every cached location goes stale. */
  setMembers(members: readonly NodeMember[]): void {
    this.placement.setMembers(members);
  }

  /** Whether the actor at `key` belongs on this very thread under the current placement. */
  owns(key: string): boolean {
    const loc = this.locate(kindOfKey(key), idOfKey(key));
    return loc.node === this.nodeId && loc.thread === this.thread;
  }

  /** Sends an envelope on to wherever its actor belongs now (it moved, or was never here). */
  forward(e: Envelope): void {
    this.route(e, this.locate(kindOfKey(e.to), idOfKey(e.to)));
  }

  /**
   * The hot path of an actor's tell through a Ref to an actor of this same thread (the Ref has
   * sent before, so its location and the pair's epoch are known): one envelope, handed to the
   * local sink. Anything else (another thread or node, an open outbox, a stale location, a first
   * send, a send from outside any actor) takes sendVia.
   */
  tell(target: RouteCache, from: Sender | null, msg: unknown): void {
    if (from === null || !target.here || target.locVersion !== this.placement.version || from.outbox !== null || target.seq === 0) {
      return this.sendVia(target, from, msg, Lane.USER, NO_REPLY, 0);
    }
    this.#check(target.key, msg);
    const current = from.current;
    const e = takeEnvelope(target.key, from.key, this.ids.next(), ++target.seq, msg, current === null ? undefined : current.trace, Lane.USER, NO_REPLY, 0, this.thread);
    e.seqEpoch = target.seqEpoch;
    this.#local!.deliverVia(target, e);
  }

  /** A send through a Ref, using and refreshing what the Ref remembers. */
  sendVia(target: RouteCache, from: Sender | null, msg: unknown, lane: Lane, replyThread: number, replyId: number, trace = from?.current?.trace): void {
    this.#check(target.key, msg);
    if (from !== null && from.outbox !== null && replyThread === NO_REPLY) return this.#outbox!.park(from, target, msg, lane);
    const key = target.key;
    let loc = target.loc;
    if (loc === null || target.locVersion !== this.placement.version) {
      loc = target.loc = this.locate(target.kind, target.id);
      target.locVersion = this.placement.version;
      target.here = loc.node === this.nodeId && loc.thread === this.thread;
    }
    let e: Envelope;
    if (from === null) {
      e = this.edgeEnvelope(key, msg, lane, replyThread, replyId);
    } else {
      if (target.seq === 0) target.seqEpoch = nextPairEpoch();
      e = new Envelope(key, from.key, this.ids.next(), ++target.seq, msg, trace, lane, replyThread, replyId, this.thread);
      e.seqEpoch = target.seqEpoch;
    }
    if (target.here) return this.#local!.deliverVia(target, e);
    if (loc.node !== this.nodeId) return this.toNode(loc.node, e);
    const link = this.#links[loc.thread];
    if (link === undefined) return this.refuse(e, new GlassError(ErrorCodes.NO_ROUTE, `no thread ${loc.thread}`), 'no-route');
    link.push(e);
  }

  /** Sends an ask through a Ref; resolves with the reply or rejects with a GlassError. */
  ask(target: RouteCache, from: Sender | null, msg: unknown, timeoutMs?: number): Promise<unknown> {
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

  /** Throws when a send must fail loudly (the router is closed, or the message has no type). */
  protected check(key: string, msg: unknown): void {
    this.#check(key, msg);
  }

  #check(key: string, msg: unknown): void {
    // Refs held past close must fail loudly, not turn every send into a 'link-closed' dead letter.
    if (this.#closed) throw new GlassError(ErrorCodes.NODE_CLOSED, `cannot send to ${key}: the node is closed`);
    if (msg === null || typeof msg !== 'object' || typeof (msg as { type?: unknown }).type !== 'string') {
      throw new GlassError(ErrorCodes.INVALID_MESSAGE, `a message must be an object with a string "type" (to ${key})`);
    }
  }

  /** The envelope of a send from outside any actor (the two halves sequence it differently). */
  protected abstract edgeEnvelope(key: string, msg: unknown, lane: Lane, replyThread: number, replyId: number): Envelope;

  /** An envelope for an actor (or an asker) on another node. */
  protected abstract toNode(node: string, e: Envelope): void;

  /** An envelope that arrived from another thread. */
  abstract deliverInbound(e: Envelope): void;

  /**
   * The envelope was handled (or refused, or given up): if it came from another node, the main
   * thread may now acknowledge its stream entry.
   */
  abstract handled(e: Envelope): void;

  /** Sends `e` where `loc` says: another node, this thread, or another thread of this node. */
  protected route(e: Envelope, loc: Location): void {
    if (loc.node !== this.nodeId) return this.toNode(loc.node, e);
    if (loc.thread === this.thread) return this.#local!.deliver(e);
    const link = this.#links[loc.thread];
    if (link === undefined) return this.refuse(e, new GlassError(ErrorCodes.NO_ROUTE, `no thread ${loc.thread}`), 'no-route');
    link.push(e);
  }

  /** A reply goes to its asker's node, then to its asker's thread. */
  protected deliverReply(r: Envelope): void {
    if (r.replyNode !== null && r.replyNode !== this.nodeId) return this.toNode(r.replyNode, r);
    if (r.replyThread === this.thread) return this.#settle(r);
    this.#links[r.replyThread]?.push(r);
  }

  /** Answers an ask (no-op for a tell). `error` wins over `value` when given. */
  reply(e: Envelope, value: unknown, error?: WireError): void {
    if (e.replyThread === NO_REPLY) return;
    const msg = error === undefined ? { ok: value } : { error };
    const r = new Envelope(e.from ?? '', e.to, this.ids.next(), 0, msg, e.trace, Lane.REPLY, e.replyThread, e.replyId, this.thread);
    r.replyNode = e.replyNode;
    this.deliverReply(r);
  }

  /**
   * The envelope was handled and its effects are saved: its ask is answered and, if it came from
   * another node, its stream entry may be acknowledged. One call for both (the end of every turn).
   */
  done(e: Envelope, value: unknown): void {
    if (e.replyThread !== NO_REPLY) this.reply(e, value);
    if (e.receipt !== 0) this.handled(e);
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
    this.deadLetter({ to: e.to, from: e.from, messageType: messageType(e.msg), reason, at: this.clock.now() });
  }

  /** Where this thread's dead letters go (the main thread keeps the node's log). */
  protected abstract deadLetter(letter: DeadLetter): void;

  #unsendable(e: Envelope, reason: string): void {
    const code = reason === 'not-cloneable' ? ErrorCodes.INVALID_MESSAGE : ErrorCodes.WORKER_FAILED;
    this.refuse(e, new GlassError(code, `message to ${e.to} could not be sent (${reason})`), reason);
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
