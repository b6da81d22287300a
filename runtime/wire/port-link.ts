import type { MessagePort } from 'node:worker_threads';
import type { Envelope } from '../envelope.js';
import { WireEncoder } from './wire-codec.js';

/** First element of every array posted between threads. */
export const BatchTag = {
  ENVELOPES: 0,
  DEAD_LETTERS: 1,
  QUARANTINED: 2,
  /**
   * [ACK_COUNTER, SharedArrayBuffer]: the first post of a link. The receiver stores in it how many
   * envelope batches it has taken (see PortLink), so acknowledging costs no post.
   */
  ACK_COUNTER: 3,
  /** [HANDLED, ...receipt ids]: a worker handled envelopes that came from another node (see Receipts). */
  HANDLED: 4,
} as const;
export type EventTag = typeof BatchTag.DEAD_LETTERS | typeof BatchTag.QUARANTINED | typeof BatchTag.HANDLED;

/** Envelopes a link holds for a restarting worker before it refuses more. */
const HOLD_LIMIT = 1_000_000;


/**
 * The sending side of one thread-to-thread MessagePort. Envelopes are encoded into one batch and
 * posted once per event-loop turn (setImmediate: everything the turn's callbacks and microtasks sent),
 * or when the batch is full: one postMessage for many messages.
 * One port per thread pair and one FIFO batch per port keeps per-pair order.
 *
 * Posted batches are kept until the receiving thread acknowledges them, which it does as soon as
 * it has taken them into mailboxes, before any of their handlers runs, by counting them in a
 * shared counter (an `Atomics.store` in listenToPort, port-inbox.ts): an acknowledgement is an atomic store, not a post (a post
 * costs both threads a wake-up; one per batch was a third of the gateway's time). If the receiver
 * dies, `hold()` takes back what it never acknowledged, keeps what is sent meanwhile, and
 * `reattach()` sends all of it, in order, to its replacement: nothing sent to a crashed worker is
 * lost (it may be handled twice, if the worker handled it before dying without acknowledging).
 */
export class PortLink {
  #port: MessagePort;
  #encoder: WireEncoder;
  /** The envelopes encoded since the last post, kept so that a failed post can be retried one by one. */
  #envelopes: Envelope[] = [];
  /** Envelopes of posted batches not yet acknowledged, one array per batch, oldest first. */
  #unacked: Envelope[][] = [];
  #acked = 0;
  /** Batches of this link the receiver has taken, written by the receiver (the first post carries it). */
  #taken = new Int32Array(new SharedArrayBuffer(4));

  #held: Envelope[] | null = null;
  /** Records for the main thread's logs (dead letters, quarantined messages), by tag. */
  #events: unknown[][] | null = null;
  #scheduled = false;
  #closed = false;
  readonly #maxBatch: number;

  constructor(
    port: MessagePort,
    maxBatch: number,
    /** Called for each envelope that could not be posted (not structured-cloneable, link closed, hold full). */
    readonly onUnsendable: (e: Envelope, reason: string) => void,
  ) {
    this.#port = port;
    this.#maxBatch = maxBatch;
    this.#encoder = new WireEncoder(maxBatch);
    this.#port.postMessage([BatchTag.ACK_COUNTER, this.#taken.buffer]);
  }

  push(e: Envelope): void {
    if (this.#closed) return this.onUnsendable(e, 'link-closed');
    if (this.#held !== null) {
      if (this.#held.length >= HOLD_LIMIT) return this.onUnsendable(e, 'hold-full');
      this.#held.push(e);
      return;
    }
    this.#encoder.encode(e);
    if (this.#envelopes.push(e) >= this.#maxBatch) this.flush();
    else this.#schedule();
  }

  pushEvent(tag: EventTag, record: unknown): void {
    if (this.#closed || this.#held !== null) return;
    ((this.#events ??= [])[tag] ??= []).push(record);
    this.#schedule();
  }

  /** Drops the posted batches the receiver has taken (read from the shared counter). */
  #collect(): void {
    const count = Atomics.load(this.#taken, 0);
    while (this.#acked < count && this.#unacked.length > 0) {
      this.#unacked.shift();
      this.#acked++;
    }
  }

  /** The receiving thread died: keep everything it did not acknowledge, and what comes next. */
  hold(): void {
    if (this.#held !== null || this.#closed) return;
    this.#collect();
    const held: Envelope[] = [];
    for (const batch of this.#unacked) for (const e of batch) held.push(e);
    for (const e of this.#envelopes) held.push(e);
    this.#held = held;
    this.#unacked = [];
    this.#envelopes = [];
    this.#events = null;
    this.#port.close();
  }

  /**
   * While held (the receiver died): `taken` — what the dead receiver had taken from this link and
   * not finished, oldest first, handed back by its owner (the main thread's open receipts) — goes
   * before everything held, which was posted after it. An envelope of `taken` that is held already
   * (posted, never taken) stays where it is, once: it must not reach the replacement twice.
   * `refused` envelopes are dropped from what is held. Not held: `taken` is sent as it comes.
   */
  requeue(taken: readonly Envelope[], refused: readonly Envelope[] = []): void {
    const held = this.#held;
    if (held === null) {
      for (const e of taken) this.push(e);
      return;
    }
    const inHold = new Set(held);
    const dropped = new Set(refused);
    const front = taken.filter((e) => !inHold.has(e) && !dropped.has(e));
    const rest = dropped.size === 0 ? held : held.filter((e) => !dropped.has(e));
    this.#held = front.length === 0 ? rest : front.concat(rest);
  }

  /** The receiver's replacement is reachable on `port`: send what was held, in order. */
  reattach(port: MessagePort): void {
    const held = this.#held ?? [];
    this.#held = null;
    this.#port = port;
    this.#encoder = new WireEncoder(this.#maxBatch);
    this.#acked = 0;
    this.#taken = new Int32Array(new SharedArrayBuffer(4));
    port.postMessage([BatchTag.ACK_COUNTER, this.#taken.buffer]);
    for (const e of held) this.push(e);
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.flush);
  }

  readonly flush = (): void => {
    this.#scheduled = false;
    if (this.#closed || this.#held !== null) return;
    if (this.#events !== null) {
      const events = this.#events;
      this.#events = null;
      events.forEach((records, tag) => this.#postEvents(tag, records));
    }
    const envelopes = this.#envelopes;
    if (envelopes.length === 0) return;
    this.#collect();
    const batch = this.#encoder.take(BatchTag.ENVELOPES);
    this.#envelopes = [];
    try {
      // Copied, not transferred: transferring the numbers' buffer cost more than copying it, at every
      // batch size measured (12 to 6,144 numbers).
      this.#port.postMessage(batch);
      this.#sent(envelopes);
    } catch {
      // One uncloneable message must not sink its neighbours: post them one by one, each in a
      // batch of its own with a fresh key table (the failed batch's new keys never arrived).
      this.#postEach(envelopes);
    }
  };

  #sent(envelopes: Envelope[]): void {
    this.#unacked.push(envelopes);
  }

  #postEvents(tag: number, records: unknown[]): void {
    try {
      this.#port.postMessage([tag, ...records]);
    } catch {
      // A quarantined message that cannot be cloned still gets reported, without its body.
      this.#port.postMessage([tag, ...records.map((r) => ({ ...(r as object), message: '(not cloneable)' }))]);
    }
  }

  #postEach(envelopes: Envelope[]): void {
    for (const e of envelopes) {
      this.#encoder.invalidate();
      this.#encoder.encode(e);
      const one = this.#encoder.take(BatchTag.ENVELOPES);
      try {
        this.#port.postMessage(one);
        this.#sent([e]);
      } catch {
        this.onUnsendable(e, 'not-cloneable');
      }
    }
    this.#encoder.invalidate();
  }

  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    const held = this.#held;
    this.#held = null;
    if (held !== null) for (const e of held) this.onUnsendable(e, 'link-closed');
    this.#port.close();
  }
}
