import { idOfKey, kindOfKey } from '../address.js';
import type { DeadLetter } from '../dead-letters.js';
import { Envelope, Lane, NO_REPLY } from '../envelope.js';
import { ErrorCodes, GlassError } from '../errors.js';
import type { QuarantinedMessage } from '../quarantine.js';
import { edgeTraceparent } from '../trace.js';
import type { DeliveryReceipt, Transport } from '../transport.js';
import { BatchTag } from '../wire/port-link.js';
import { MAIN_THREAD, Router, type RouterOptions } from '../wire/router.js';
import { EndpointTable } from './endpoints.js';
import { PairSequencer } from './pair-sequencer.js';
import { MAX_DELIVERY_ATTEMPTS, Receipts } from './receipts.js';

export interface MainRouterOptions extends RouterOptions {
  /** Where the node's dead letters go: this thread's, and those every worker reports. */
  onDeadLetter: (letter: DeadLetter) => void;
  /** Where quarantined messages reported by workers go. */
  onQuarantined?: (entry: QuarantinedMessage) => void;
}

/**
 * The router of a node's main thread (thread 0): the node's way to the others. It sends over the
 * Transport what leaves the node, takes in what the Transport delivers (tracking each envelope it
 * hands to a worker until that worker reports it handled: Receipts), gives a dead worker's
 * envelopes to its replacement, sequences the main thread's own sends, and keeps what workers
 * report for the node (dead letters, quarantined messages).
 */
export class MainRouter extends Router {
  /** Envelopes from other nodes that a worker has not yet reported handled. */
  readonly receipts = new Receipts();
  /** This thread's local sink: the handlers bound to its addresses (the gateway, the node's own). */
  readonly endpoints: EndpointTable;
  readonly #onDeadLetter: (letter: DeadLetter) => void;
  readonly #onQuarantined: ((entry: QuarantinedMessage) => void) | undefined;
  #transport: Transport | null = null;
  /** Sequencers for sends made from outside any actor under a sender name (e.g. the gateway). */
  readonly #named = new Map<string, PairSequencer>();
  /** The sequencer of sends from outside any actor and any name (sender `@<node>`). */
  readonly #edge = new PairSequencer();

  constructor(options: MainRouterOptions) {
    super(options, MAIN_THREAD);
    this.endpoints = new EndpointTable(this);
    this.setLocal(this.endpoints);
    this.#onDeadLetter = options.onDeadLetter;
    this.#onQuarantined = options.onQuarantined;
  }

  setTransport(transport: Transport): void {
    this.#transport = transport;
  }

  protected deadLetter(letter: DeadLetter): void {
    this.#onDeadLetter(letter);
  }

  protected override receiveEvents(data: unknown[]): void {
    switch (data[0]) {
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
  }

  protected edgeEnvelope(key: string, msg: unknown, lane: Lane, replyThread: number, replyId: number): Envelope {
    // The main thread's own sends (the gateway's asks, tools): sequenced per receiver under the
    // node's name, so that one delivered twice by a failover is still handled once.
    const e = new Envelope(key, null, this.ids.next(), this.#edge.next(key), msg, edgeTraceparent(), lane, replyThread, replyId, MAIN_THREAD);
    e.seqEpoch = this.#edge.epoch;
    e.replyNode = this.nodeId;
    return e;
  }

  /** Sends from outside any actor under a stable sender name, so the pair still gets sequence numbers. */
  sendAs(sender: string, kind: string, id: string, key: string, msg: unknown): void {
    this.check(key, msg);
    let sequencer = this.#named.get(sender);
    if (sequencer === undefined) this.#named.set(sender, (sequencer = new PairSequencer()));
    const e = new Envelope(key, sender, this.ids.next(), sequencer.next(key), msg, edgeTraceparent(), Lane.USER, NO_REPLY, 0, MAIN_THREAD);
    e.seqEpoch = sequencer.epoch;
    this.route(e, this.locate(kind, id));
  }

  protected toNode(node: string, e: Envelope): void {
    if (this.#transport === null) return this.refuse(e, new GlassError(ErrorCodes.NO_ROUTE, `no transport to node ${node}`), 'no-route');
    // An ask leaving its node says where the answer goes; one passed on keeps its asker's node.
    if (e.replyThread !== NO_REPLY && e.replyNode === null) e.replyNode = this.nodeId;
    const receipt = e.receipt;
    e.receipt = 0;
    // A traced message keeps its sender's traceparent: the receiving actor's span (marked
    // glass.via=stream) is the sender's child, without a span of its own for the hop (it doubled
    // the spans of a cross-node message: bench/RESULTS.md, cross-node --tracing both).
    try {
      this.#transport.send(node, [e]);
    } catch (err) {
      e.receipt = receipt;
      return this.refuse(e, err instanceof GlassError ? err : new GlassError(ErrorCodes.NO_ROUTE, String(err)), 'no-route');
    }
    // Passed on from another node: acknowledged once the next hop has it stored.
    if (receipt !== 0) this.#afterFlush(() => this.receipts.handled(receipt));
  }

  #afterFlush(then: () => void): void {
    const flush = this.#transport?.flush;
    if (flush === undefined) return then();
    // Not acknowledged when the transport gave up: the entry stays pending and comes back.
    flush.call(this.#transport).then(then, () => {});
  }

  /** From a worker: a reply, something for this thread's endpoints, or something to relay to another node. */
  deliverInbound(e: Envelope): void {
    if (e.lane === Lane.REPLY) return this.deliverReply(e);
    // Most of what workers send here is for an endpoint (a room's lines to the gateway): taken
    // without locating anything, which would cut the key in two and build a location.
    if (this.endpoints.take(e)) return;
    this.route(e, this.locate(kindOfKey(e.to), idOfKey(e.to)));
  }

  /**
   * An envelope from another node's transport. What goes on to a worker is tracked until the
   * worker reports it handled; the receipt is acknowledged then (see Receipts).
   */
  deliverRemote(e: Envelope, receipt: DeliveryReceipt): void {
    if (e.lane === Lane.REPLY) {
      this.deliverReply(e);
      return receipt.ackOne();
    }
    const loc = this.locate(kindOfKey(e.to), idOfKey(e.to));
    e.receipt = this.receipts.track(receipt, e, loc.node === this.nodeId ? loc.thread : MAIN_THREAD);
    this.route(e, loc);
  }

  /**
   * A worker died holding envelopes from other nodes; they go to its replacement (through the
   * held link), except one that was in a worker that died this often: it is taken for the killer
   * and refused (a dead letter), so that it cannot kill every replacement. The held link already
   * has those the dead worker never took (posted, not acknowledged): each goes to the replacement
   * once, the ones it had taken first, as they were sent (PortLink.requeue).
   */
  redeliver(thread: number): void {
    const link = this.link(thread);
    const again: Envelope[] = [];
    const refused: Envelope[] = [];
    for (const { receipt, e, attempts } of this.receipts.takeThread(thread)) {
      if (attempts >= MAX_DELIVERY_ATTEMPTS || link === undefined) {
        refused.push(e);
        this.refuse(e, new GlassError(ErrorCodes.WORKER_FAILED, `${e.to}'s worker died ${attempts} times holding this message`), 'worker-died');
        receipt.ackOne();
        continue;
      }
      e.receipt = this.receipts.track(receipt, e, thread, attempts + 1);
      again.push(e);
    }
    link?.requeue(again, refused);
  }

  /**
   * The envelope of an open receipt is settled without being handled (the message that blocked its
   * worker): its stream entry is acknowledged, so it is neither redelivered to the replacement nor
   * read again from the stream. Returns it (with its message), or undefined if it is not open.
   */
  settleUnhandled(receipt: number): Envelope | undefined {
    const open = receipt === 0 ? undefined : this.receipts.take(receipt);
    if (open === undefined) return undefined;
    open.e.receipt = 0;
    open.receipt.ackOne();
    return open.e;
  }

  handled(e: Envelope): void {
    const receipt = e.receipt;
    if (receipt === 0) return;
    e.receipt = 0;
    this.receipts.handled(receipt);
  }
}
