import type { MessagePort } from 'node:worker_threads';
import { appendEnvelope, STRIDE, type Envelope } from './envelope.js';
import type { DeadLetter } from './dead-letters.js';

/** First element of every array posted between threads. */
export const BatchTag = {
  ENVELOPES: 0,
  DEAD_LETTERS: 1,
} as const;

/**
 * The sending side of one thread-to-thread MessagePort. Envelopes are appended to a flat batch and
 * posted once per microtask turn (or when the batch is full): one postMessage for many messages.
 * One port per thread pair and one FIFO batch per port keeps per-pair order.
 */
export class PortLink {
  #batch: unknown[] = [BatchTag.ENVELOPES];
  #dead: unknown[] | null = null;
  #scheduled = false;
  #closed = false;
  readonly #maxFields: number;

  constructor(
    readonly port: MessagePort,
    maxBatch: number,
    /** Called for each envelope that could not be posted (not structured-cloneable, or link closed). */
    readonly onUnsendable: (e: Envelope, reason: string) => void,
  ) {
    this.#maxFields = maxBatch * STRIDE;
  }

  get closed(): boolean {
    return this.#closed;
  }

  push(e: Envelope): void {
    if (this.#closed) {
      this.onUnsendable(e, 'link-closed');
      return;
    }
    appendEnvelope(this.#batch, e);
    if (this.#batch.length > this.#maxFields) this.flush();
    else this.#schedule();
  }

  pushDeadLetter(letter: DeadLetter): void {
    if (this.#closed) return;
    (this.#dead ??= [BatchTag.DEAD_LETTERS]).push(letter);
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
      if (!this.#closed) this.port.postMessage(dead);
    }
    const batch = this.#batch;
    if (batch.length === 1) return;
    this.#batch = [BatchTag.ENVELOPES];
    if (this.#closed) return this.#failAll(batch, 'link-closed');
    try {
      this.port.postMessage(batch);
    } catch {
      // One uncloneable message must not sink its neighbours: post them one by one.
      this.#postEach(batch);
    }
  };

  #postEach(batch: unknown[]): void {
    for (let i = 1; i < batch.length; i += STRIDE) {
      const one = [BatchTag.ENVELOPES, ...batch.slice(i, i + STRIDE)];
      try {
        this.port.postMessage(one);
      } catch {
        this.onUnsendable(envelopeAt(batch, i), 'not-cloneable');
      }
    }
  }

  #failAll(batch: unknown[], reason: string): void {
    for (let i = 1; i < batch.length; i += STRIDE) this.onUnsendable(envelopeAt(batch, i), reason);
  }

  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    this.port.close();
  }
}

function envelopeAt(batch: unknown[], i: number): Envelope {
  const b = batch as any[];
  return { to: b[i], from: b[i + 1], id: b[i + 2], seq: b[i + 3], msg: b[i + 4], trace: b[i + 5], lane: b[i + 6], replyThread: b[i + 7], replyId: b[i + 8] };
}
