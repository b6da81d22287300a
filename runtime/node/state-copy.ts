import { SAVE_DONE, SAVE_STARTED, type SaveEvent, type SavedDoc } from '../host/saved-state-report.js';

/** A document's share of the budget beyond its strings (the entry, the Map slot). */
const ENTRY_OVERHEAD_BYTES = 96;

interface Entry {
  thread: number;
  /** The last acknowledged document; null while a save of it is in flight or after one failed. */
  doc: SavedDoc | null;
  /** Saves started and not yet done or failed. */
  inFlight: number;
  bytes: number;
}

export interface StateCopyStats {
  docs: number;
  bytes: number;
  maxBytes: number;
  evicted: number;
  /** Worker copies dropped whole (a save of unknown key in flight at a crash, a placement change). */
  dropped: number;
}

/**
 * The node's copy of its workers' last saved actor state, so that the actors of a worker that
 * crashed come back without reading the store: per actor, the document exactly as the store
 * acknowledged it to the worker that wrote it, with its revision.
 *
 * The revision rule: a document is held only when its last save is known to be done. A save that
 * starts forgets the document (the store may hold the old one or the new one); its acknowledgement
 * puts the new one in; a failure leaves nothing (a timed-out write may have landed). Whatever is
 * missing is read from the store, as before.
 *
 * Bounded by `maxBytes` (strings counted at 2 bytes a character, as V8 may hold them): past it,
 * the documents saved longest ago go first (LRU by save). Passivated actors keep their document
 * (the store still holds it) until evicted.
 */
export class StateCopy {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;
  #evicted = 0;
  #dropped = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  stats(): StateCopyStats {
    let docs = 0;
    for (const e of this.#entries.values()) if (e.doc !== null) docs++;
    return { docs, bytes: this.#bytes, maxBytes: this.#maxBytes, evicted: this.#evicted, dropped: this.#dropped };
  }

  /** A batch of one worker's save events, in the order they happened there. */
  apply(thread: number, events: readonly SaveEvent[]): void {
    for (const event of events) {
      const key = event[1];
      let entry = this.#entries.get(key);
      if (event[0] === SAVE_STARTED) {
        if (entry === undefined) {
          entry = { thread, doc: null, inFlight: 0, bytes: 0 };
          this.#entries.set(key, entry);
        }
        entry.thread = thread;
        entry.inFlight++;
        this.#setDoc(entry, null);
        continue;
      }
      // Done or failed: an event for a save this copy never saw start (dropped since) changes nothing.
      if (entry === undefined || entry.inFlight === 0) continue;
      entry.inFlight--;
      if (event[0] === SAVE_DONE && entry.inFlight === 0) {
        const doc: SavedDoc = [key, event[2], event[3], event[4], event[5]];
        this.#setDoc(entry, doc);
        // Most recently saved last: the Map's order is the eviction order.
        this.#entries.delete(key);
        this.#entries.set(key, entry);
      } else {
        this.#setDoc(entry, null);
      }
      if (entry.inFlight === 0 && entry.doc === null) this.#entries.delete(key);
    }
    this.#evict();
  }

  /** The acknowledged document of `key`, if held and no save of it is in flight. */
  get(key: string): SavedDoc | undefined {
    const entry = this.#entries.get(key);
    return entry === undefined || entry.inFlight > 0 || entry.doc === null ? undefined : entry.doc;
  }

  /** The documents held for `thread`'s actors that `keep` accepts (e.g. still placed on it). */
  docsOf(thread: number, keep: (key: string) => boolean): SavedDoc[] {
    const docs: SavedDoc[] = [];
    for (const [key, e] of this.#entries) if (e.thread === thread && e.inFlight === 0 && e.doc !== null && keep(key)) docs.push(e.doc);
    return docs;
  }

  /**
   * A worker died: what it had in flight will never be reported, so those documents stay unknown
   * (read from the store). With `unknown`, it had started saves it had not reported yet: which keys
   * is unknown, so all of the worker's documents go.
   */
  workerDied(thread: number, unknown: boolean): void {
    if (unknown) this.#dropped++;
    for (const [key, e] of this.#entries) {
      if (e.thread !== thread) continue;
      if (unknown || e.inFlight > 0) {
        this.#setDoc(e, null);
        this.#entries.delete(key);
      }
    }
  }

  /** Forgets everything (the placement changed: another node may write these actors now). */
  clear(): void {
    if (this.#entries.size > 0) this.#dropped++;
    this.#entries.clear();
    this.#bytes = 0;
  }

  #setDoc(entry: Entry, doc: SavedDoc | null): void {
    this.#bytes -= entry.bytes;
    entry.doc = doc;
    entry.bytes = doc === null ? 0 : ENTRY_OVERHEAD_BYTES + 2 * (doc[0].length + doc[1].length + doc[2].length + (doc[4]?.length ?? 0));
    this.#bytes += entry.bytes;
  }

  #evict(): void {
    if (this.#bytes <= this.#maxBytes) return;
    for (const [key, e] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      if (e.doc === null) continue;
      this.#setDoc(e, null);
      this.#evicted++;
      // An entry with a save in flight stays (it must see that save end); its document is gone.
      if (e.inFlight === 0) this.#entries.delete(key);
    }
  }
}
