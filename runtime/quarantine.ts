/**
 * A message that kept failing its actor (poison), taken out of the actor's way with its context
 * so that it can be looked at and sent again once the bug is fixed.
 */
export interface QuarantinedMessage {
  /** Unique within the node: `<thread>-<n>`. */
  readonly id: string;
  readonly to: string;
  readonly from: string | null;
  readonly seq: number;
  readonly messageType: string;
  /** The message itself, as it was delivered. */
  readonly message: unknown;
  /** The last failure's error message. */
  readonly error: string;
  readonly attempts: number;
  readonly at: number;
}

/** The node's quarantine (main thread): bounded, listable, and each entry can be taken for re-drive. */
export class QuarantineLog {
  readonly #entries = new Map<string, QuarantinedMessage>();
  readonly #limit: number;
  readonly #listeners = new Set<(entry: QuarantinedMessage) => void>();
  #dropped = 0;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Entries pushed out by the bound (oldest first) since the node started. */
  get dropped(): number {
    return this.#dropped;
  }

  record(entry: QuarantinedMessage): void {
    this.#entries.set(entry.id, entry);
    if (this.#entries.size > this.#limit) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
      this.#dropped++;
    }
    for (const listener of this.#listeners) listener(entry);
  }

  list(filter?: { to?: string }): QuarantinedMessage[] {
    const all = [...this.#entries.values()];
    return filter?.to === undefined ? all : all.filter((e) => e.to === filter.to);
  }

  /** Removes and returns an entry (to re-drive or drop it); undefined if there is none. */
  take(id: string): QuarantinedMessage | undefined {
    const entry = this.#entries.get(id);
    this.#entries.delete(id);
    return entry;
  }

  subscribe(listener: (entry: QuarantinedMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
