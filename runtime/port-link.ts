import type { MessagePort } from 'node:worker_threads';
import type { DeadLetter } from './dead-letters.js';
import type { Envelope } from './envelope.js';
import { WireEncoder } from './wire-codec.js';

/** First element of every array posted between threads. */
export const BatchTag = {
  ENVELOPES: 0,
  DEAD_LETTERS: 1,
} as const;

/**
 * The sending side of one thread-to-thread MessagePort. Envelopes are encoded into one batch and
 * posted once per microtask turn (or when the batch is full): one postMessage for many messages.
 * One port per thread pair and one FIFO batch per port keeps per-pair order.
 */
export class PortLink {
  readonly #encoder: WireEncoder;
  /** The envelopes encoded since the last post, kept so that a failed post can be retried one by one. */
  #envelopes: Envelope[] = [];
  #dead: DeadLetter[] | null = null;
  #scheduled = false;
  #closed = false;
  readonly #maxBatch: number;

  constructor(
    readonly port: MessagePort,
    maxBatch: number,
    /** Called for each envelope that could not be posted (not structured-cloneable, or link closed). */
    readonly onUnsendable: (e: Envelope, reason: string) => void,
  ) {
    this.#maxBatch = maxBatch;
    this.#encoder = new WireEncoder(maxBatch);
  }

  get closed(): boolean {
    return this.#closed;
  }

  push(e: Envelope): void {
    if (this.#closed) return this.onUnsendable(e, 'link-closed');
    this.#encoder.encode(e);
    if (this.#envelopes.push(e) >= this.#maxBatch) this.flush();
    else this.#schedule();
  }

  pushDeadLetter(letter: DeadLetter): void {
    if (this.#closed) return;
    (this.#dead ??= []).push(letter);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(this.flush);
  }

  readonly flush = (): void => {
    this.#scheduled = false;
    if (this.#dead !== null) {
      const dead = this.#dead;
      this.#dead = null;
      if (!this.#closed) this.port.postMessage([BatchTag.DEAD_LETTERS, ...dead]);
    }
    const envelopes = this.#envelopes;
    if (envelopes.length === 0) return;
    const batch = this.#encoder.take(BatchTag.ENVELOPES);
    this.#envelopes = [];
    if (this.#closed) return void envelopes.forEach((e) => this.onUnsendable(e, 'link-closed'));
    try {
      this.port.postMessage(batch, [(batch[2] as Float64Array).buffer as ArrayBuffer]);
    } catch {
      // One uncloneable message must not sink its neighbours: post them one by one, each in a
      // batch of its own with a fresh key table (the failed batch's new keys never arrived).
      this.#postEach(envelopes);
    }
  };

  #postEach(envelopes: Envelope[]): void {
    for (const e of envelopes) {
      this.#encoder.invalidate();
      this.#encoder.encode(e);
      const one = this.#encoder.take(BatchTag.ENVELOPES);
      try {
        this.port.postMessage(one);
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
    this.port.close();
  }
}
