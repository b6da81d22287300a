// PGlite is one backend, whatever the number of connections pglite-socket multiplexes onto it: its
// queue keeps an explicit transaction's statements together, but not the messages of one extended-
// protocol query (Parse, Bind, Execute up to Sync: IsTransactionBlock() is false there), so two
// clients' unnamed statements could interleave. The gate lets one unit (a simple Query, or messages up
// to a Sync) run at a time, and keeps the backend for a client whose unit left it inside a transaction.

/** The transaction status a ReadyForQuery carries: idle, in a transaction, in a failed one. */
export type TxStatus = 'I' | 'T' | 'E';

interface Waiting {
  who: object;
  run: () => void;
}

export class BackendGate {
  /** The client whose transaction is open: only its units run until it ends. */
  #owner: object | null = null;
  /** The client whose unit is in flight (until its ReadyForQuery). */
  #busy: object | null = null;
  readonly #waiting: Waiting[] = [];

  /** Queues one unit of `who`; `run` sends it when the backend is its turn. */
  request(who: object, run: () => void): void {
    this.#waiting.push({ who, run });
    this.#pump();
  }

  /** `who`'s unit answered ReadyForQuery with `status`. */
  done(who: object, status: TxStatus): void {
    if (this.#busy !== who) return;
    this.#busy = null;
    this.#owner = status === 'I' ? null : who;
    this.#pump();
  }

  /**
   * `who` is gone. Its open transaction is rolled back by pglite-socket when its connection closes
   * (and the socket's own queue holds other clients' statements until then).
   */
  leave(who: object): void {
    for (let i = this.#waiting.length - 1; i >= 0; i--) if (this.#waiting[i].who === who) this.#waiting.splice(i, 1);
    if (this.#owner === who) this.#owner = null;
    if (this.#busy === who) this.#busy = null;
    this.#pump();
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  #pump(): void {
    while (this.#busy === null && this.#waiting.length > 0) {
      const owner = this.#owner;
      const i = owner === null ? 0 : this.#waiting.findIndex((w) => w.who === owner);
      if (i < 0) return;
      const [next] = this.#waiting.splice(i, 1);
      this.#busy = next.who;
      next.run();
    }
  }
}
