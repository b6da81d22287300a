import { nextPairEpoch } from '../envelope.js';

/** Receivers a sequencer remembers; past this it starts over under a new epoch. */
const MAX_RECEIVERS = 100_000;

/**
 * Per sender→receiver sequence numbers (1, 2, 3, … for each receiver) for senders outside any
 * actor: the main thread's own sends and the named senders such as the gateway. Actors do not need
 * it: each actor keeps one Ref per receiver, and the Ref holds the pair's counter.
 *
 * The counters are bounded: past MAX_RECEIVERS they are dropped and every pair starts at 1 again
 * under a new, larger epoch — which receivers take for a new incarnation of the sender, never for
 * repeats (see delivery-log.ts). Read `epoch` after `next`.
 */
export class PairSequencer {
  readonly #last = new Map<string, number>();
  #epoch = nextPairEpoch();

  /** The incarnation of this sender's pairs (see nextPairEpoch). */
  get epoch(): number {
    return this.#epoch;
  }

  next(to: string): number {
    let last = this.#last.get(to);
    if (last === undefined) {
      if (this.#last.size >= MAX_RECEIVERS) {
        this.#last.clear();
        this.#epoch = nextPairEpoch();
      }
      last = 0;
    }
    this.#last.set(to, ++last);
    return last;
  }
}
