import type { Envelope } from '../../runtime/index.js';
import type { TransportUnavailableError } from './redis-streams-status.js';

/** Envelopes for one node from one turn of sends: one XADD. */
export interface OutEntry {
  node: string;
  stream: string;
  records: Buffer[];
  bytes: number;
  envelopes: Envelope[];
  /** The joined records, once the entry is sealed. */
  payload: Buffer | null;
  /** The entry's nonce (NonceSource), taken when it is sealed. */
  nonce: string | null;
  /** The payload's MAC (entryMac), made when it is sealed. */
  mac: Buffer | null;
  queuedAt: number;
  /** Redis took it; it leaves the queue once everything queued before it has. */
  stored: boolean;
  /** Position in the send order: entries settle (stored or given up) strictly in this order. */
  seq: number;
}

interface FlushWaiter {
  through: number;
  resolve: () => void;
  reject: (err: Error) => void;
  error: Error | null;
}

/**
 * The sealed entries waiting for Redis, oldest first, and the `flush()` promises waiting on them.
 * Entries only ever leave from the head (stored, or given up), so "everything up to seq n has
 * settled" is one comparison, and a flush knows whether anything it waited for was given up.
 * The array is consumed by a head index (no shift per entry) and compacted now and then.
 */
export class Outbox {
  #queue: OutEntry[] = [];
  #head = 0;
  #sealed = 0;
  #waiters: FlushWaiter[] = [];

  get size(): number {
    return this.#queue.length - this.#head;
  }

  /** The `i`-th entry from the head. */
  at(i: number): OutEntry {
    return this.#queue[this.#head + i];
  }

  push(entry: OutEntry): void {
    entry.seq = ++this.#sealed;
    this.#queue.push(entry);
  }

  /** Resolves once every entry pushed so far has settled; rejects if one of them was given up. */
  flush(): Promise<void> {
    const through = this.#sealed;
    if (this.#settledThrough() >= through) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ through, resolve, reject, error: null }));
  }

  /** Removes the head entry: stored (error null) or given up with `error`. */
  settleHead(error: TransportUnavailableError | null): OutEntry {
    const entry = this.#queue[this.#head];
    this.#queue[this.#head++] = undefined as never;
    if (error !== null) for (const w of this.#waiters) if (w.through >= entry.seq) w.error ??= error;
    if (this.#head === this.#queue.length || this.#head > 4_096) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return entry;
  }

  /** Settles the flush promises whose entries have all left; called after a round of settleHead. */
  wake(): void {
    if (this.#waiters.length === 0) return;
    const settled = this.#settledThrough();
    this.#waiters = this.#waiters.filter((w) => {
      if (w.through > settled) return true;
      if (w.error === null) w.resolve();
      else w.reject(w.error);
      return false;
    });
  }

  #settledThrough(): number {
    return this.size > 0 ? this.#queue[this.#head].seq - 1 : this.#sealed;
  }
}
