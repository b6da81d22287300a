import { nextPairEpoch } from './envelope.js';

/**
 * Per sender→receiver sequence numbers (1, 2, 3, … for each receiver) for senders outside any
 * actor that send under a name (the gateway). Actors do not need it: each actor keeps one Ref per
 * receiver, and the Ref holds the pair's counter.
 */
export class PairSequencer {
  readonly #last = new Map<string, number>();
  /** The incarnation of every pair of this sender in this process (see nextPairEpoch). */
  readonly epoch = nextPairEpoch();

  next(to: string): number {
    const seq = (this.#last.get(to) ?? 0) + 1;
    this.#last.set(to, seq);
    return seq;
  }
}
