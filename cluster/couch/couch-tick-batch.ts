/**
 * Collects the requests made during one turn of the event loop and hands them over together.
 * The flush runs from setImmediate, i.e. after every microtask and every I/O callback of the
 * current turn: all the actors a worker activates while handling one inbound batch of messages
 * land in the same window, and a lone request waits well under a millisecond.
 */
export class TickBatch<T> {
  #items: T[] = [];
  #scheduled = false;
  #idle: (() => void)[] = [];
  #inFlight = 0;
  readonly #flush: (items: T[]) => Promise<void>;

  /** `flush` must settle every item it is given; it may add() some back for the next window. */
  constructor(flush: (items: T[]) => Promise<void>) {
    this.#flush = flush;
  }

  add(item: T): void {
    this.#items.push(item);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#run);
    }
  }

  /** Resolves once nothing is queued or being flushed. */
  idle(): Promise<void> {
    if (!this.#scheduled && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  readonly #run = (): void => {
    this.#scheduled = false;
    const items = this.#items;
    this.#items = [];
    this.#inFlight++;
    void this.#flush(items).finally(() => {
      this.#inFlight--;
      if (this.#inFlight === 0 && !this.#scheduled) {
        const waiters = this.#idle;
        this.#idle = [];
        for (const resolve of waiters) resolve();
      }
    });
  };
}
