import type { Envelope } from '../envelope.js';
import type { DeliveryReceipt } from '../transport.js';

/** A worker that died this many times holding the same envelope is taken to be killed by it. */
export const MAX_DELIVERY_ATTEMPTS = 3;

interface Open {
  readonly receipt: DeliveryReceipt;
  readonly e: Envelope;
  readonly thread: number;
  readonly attempts: number;
}

/**
 * The main thread's table of envelopes that came from another node and went to a worker: each has
 * a small id (Envelope.receipt) that the worker reports once the envelope was handled (and saved,
 * when its kind saves on every message). Only then is the transport's entry acknowledged, so a
 * worker that dies with envelopes in its mailboxes leaves them here, to be delivered again to its
 * replacement; the actor's delivery log drops any it had in fact handled.
 */
export class Receipts {
  readonly #open = new Map<number, Open>();
  #next = 0;

  get size(): number {
    return this.#open.size;
  }

  track(receipt: DeliveryReceipt, e: Envelope, thread: number, attempts = 1): number {
    // Ids stay Smis and never 0 (0 means "no receipt").
    this.#next = this.#next >= 2 ** 30 ? 1 : this.#next + 1;
    this.#open.set(this.#next, { receipt, e, thread, attempts });
    return this.#next;
  }

  /** The worker handled it: one envelope of its batch is done. Unknown ids are ignored. */
  handled(id: number): void {
    const open = this.#open.get(id);
    if (open === undefined) return;
    this.#open.delete(id);
    open.receipt.ackOne();
  }

  /** Takes one open envelope out (its receipt not yet acknowledged); undefined if there is none. */
  take(id: number): { receipt: DeliveryReceipt; e: Envelope } | undefined {
    const open = this.#open.get(id);
    if (open === undefined) return undefined;
    this.#open.delete(id);
    return open;
  }

  /**
   * Takes what a dead worker held, in the order it was sent there: each with its receipt and how
   * many times it was handed to a worker already.
   */
  takeThread(thread: number): { receipt: DeliveryReceipt; e: Envelope; attempts: number }[] {
    const out: { receipt: DeliveryReceipt; e: Envelope; attempts: number }[] = [];
    for (const [id, open] of this.#open) {
      if (open.thread !== thread) continue;
      this.#open.delete(id);
      out.push(open);
    }
    return out;
  }
}
