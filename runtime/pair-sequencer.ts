/**
 * Per sender→receiver sequence numbers (1, 2, 3, … for each receiver). Created lazily by a sender
 * on its first send, so an actor that never sends pays nothing.
 */
export class PairSequencer {
  readonly #last = new Map<string, number>();

  next(to: string): number {
    const seq = (this.#last.get(to) ?? 0) + 1;
    this.#last.set(to, seq);
    return seq;
  }
}
