import type { DeadLetter } from '../dead-letters.js';
import { Envelope, Lane } from '../envelope.js';
import type { QuarantinedMessage } from '../quarantine.js';
import { edgeTraceparent } from '../trace.js';
import { BatchTag } from './port-link.js';
import type { LocalSink } from './route.js';
import { MAIN_THREAD, Router, type RouterOptions } from './router.js';

export interface WorkerRouterOptions extends RouterOptions {
  /** 1..W: the worker's thread. */
  thread: number;
  /** Where this thread's dead letters go; by default to the main thread, which keeps the node's log. */
  onDeadLetter?: (letter: DeadLetter) => void;
}

/**
 * The router of a worker thread. A worker has no way off the node of its own: what goes to another
 * node (or is an answer for an asker there) goes to the main thread, and what the main thread
 * keeps for the node (its dead-letter log, its quarantine, the receipts of stream entries) is
 * reported to it over the same link.
 */
export class WorkerRouter extends Router {
  readonly #onDeadLetter: ((letter: DeadLetter) => void) | undefined;
  /** The actor host, kept here too: every envelope a worker is sent goes straight to it. */
  #host: LocalSink | null = null;

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

  protected toNode(_node: string, e: Envelope): void {
    this.link(MAIN_THREAD)!.push(e);
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
    this.link(MAIN_THREAD)?.pushEvent(BatchTag.HANDLED, receipt);
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
