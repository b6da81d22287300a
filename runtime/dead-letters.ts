/** A message that could not be delivered or handled, kept so that it can be seen. */
export interface DeadLetter {
  readonly to: string;
  readonly from: string | null;
  readonly messageType: string;
  /** Why: 'mailbox-full', 'evicted', 'unknown-kind', 'unhandled', 'activation-failed', 'not-cloneable', 'worker-failed'. */
  readonly reason: string;
  readonly at: number;
}

export type DeadLetterListener = (letter: DeadLetter) => void;

/** A bounded record of recent dead letters plus a total count and live listeners. */
export class DeadLetterLog {
  readonly #recent: DeadLetter[] = [];
  readonly #limit: number;
  readonly #listeners = new Set<DeadLetterListener>();
  #count = 0;

  constructor(limit = 256) {
    this.#limit = limit;
  }

  get count(): number {
    return this.#count;
  }

  recent(): readonly DeadLetter[] {
    return this.#recent.slice();
  }

  record(letter: DeadLetter): void {
    this.#count++;
    if (this.#recent.push(letter) > this.#limit) this.#recent.shift();
    for (const listener of this.#listeners) listener(letter);
  }

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: DeadLetterListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
