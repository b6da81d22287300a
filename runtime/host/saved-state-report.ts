import type { MessagePort } from 'node:worker_threads';
import { stateJson } from '../state-json.js';
import type { SeqTable, StateStore, StoredState } from '../state-store.js';

/**
 * The worker's half of the node-kept copy of saved state (runtime/node/state-copy.ts): a wrapper
 * around the worker's StateStore that tells the main thread, in one post per event-loop turn, which
 * saves started and which the store acknowledged (with the document as saved), and that serves a
 * replacement worker's first loads from what the main thread handed it at start (the seed).
 *
 * The revision rule, worker side: the main thread must never believe a document the store may have
 * replaced. So a save is announced before the store can send it: `pending` (shared memory) counts
 * saves started and not yet announced, bumped before the inner save is called; the announcement is
 * posted from a microtask, before any store that writes from a later macrotask (the CouchDB store
 * sends from setImmediate) has written. If the worker dies with `pending` above zero, the main
 * thread does not know which keys were being written and drops the worker's whole copy.
 */

/** One document as the store holds it: key, state text, version, epoch, seqs text (or null). */
export type SavedDoc = [key: string, json: string, version: string, epoch: number, seqs: string | null];

/** What a worker posts: events in the order they happened. */
export type SaveEvent =
  /** A save of this key started: its outcome is unknown until `saved` or `failed`. */
  | [type: 0, key: string]
  /** The store acknowledged this document. */
  | [type: 1, ...doc: SavedDoc]
  /** A save failed: whether it was written is unknown (a timeout may have landed). */
  | [type: 2, key: string];

export const SAVE_STARTED = 0;
export const SAVE_DONE = 1;
export const SAVE_FAILED = 2;

/** What a worker is started with for the copy (WorkerInit.stateCopy). */
export interface StateCopyInit {
  /** Where the worker posts its SaveEvent[] batches. */
  port: MessagePort;
  /** Int32 [0]: saves started and not yet posted (this incarnation's own buffer). */
  pending: SharedArrayBuffer;
  /** The documents of this thread's actors the main thread holds, exactly as the store has them (encodeSeed). */
  seed: string;
  /** The seed is dropped after this long (memory): later loads go to the store. */
  seedForMs: number;
}

// The seed crosses threads as one string: one copy of its bytes, where 10,000 documents as arrays
// of strings were 30,000 strings to clone and allocate in a thread that is starting. Neither
// separator can occur in a document's JSON (JSON escapes control characters), its version or epoch;
// a document whose key or seqs holds one is left out (read from the store).
const FIELD = '\u0001';
const DOC = '\u0002';

export function encodeSeed(docs: readonly SavedDoc[]): string {
  const parts: string[] = [];
  for (const d of docs) {
    if (d[0].includes(FIELD) || d[0].includes(DOC) || d[2].includes(FIELD) || d[2].includes(DOC)) continue;
    parts.push(d[0] + FIELD + d[2] + FIELD + d[3] + FIELD + (d[4] ?? '') + FIELD + d[1]);
  }
  return parts.join(DOC);
}

/** Key → the document's encoded record; decoded when (if ever) it is loaded. */
function seedIndex(seed: string): Map<string, string> | null {
  if (seed.length === 0) return null;
  const index = new Map<string, string>();
  for (const record of seed.split(DOC)) index.set(record.slice(0, record.indexOf(FIELD)), record);
  return index;
}

function decodeRecord(record: string): StoredState {
  const a = record.indexOf(FIELD);
  const b = record.indexOf(FIELD, a + 1);
  const c = record.indexOf(FIELD, b + 1);
  const d = record.indexOf(FIELD, c + 1);
  const stored: StoredState = { state: JSON.parse(record.slice(d + 1)), version: record.slice(a + 1, b), epoch: Number(record.slice(b + 1, c)) };
  if (d > c + 1) stored.seqs = JSON.parse(record.slice(c + 1, d)) as SeqTable;
  return stored;
}

export class ReportingStateStore implements StateStore {
  readonly #inner: StateStore;
  readonly #port: MessagePort;
  readonly #pending: Int32Array;
  #seed: Map<string, string> | null;
  #events: SaveEvent[] = [];
  #unposted = 0;
  #scheduled = false;
  #seedHits = 0;
  readonly #seedTimer: ReturnType<typeof setTimeout> | null;

  constructor(inner: StateStore, init: StateCopyInit) {
    this.#inner = inner;
    this.#port = init.port;
    this.#pending = new Int32Array(init.pending);
    this.#seed = seedIndex(init.seed);
    this.#seedTimer = this.#seed === null ? null : setTimeout(() => this.dropSeed(), init.seedForMs);
    this.#seedTimer?.unref();
  }

  /** Loads served from the seed (not the store) so far. */
  get seedHits(): number {
    return this.#seedHits;
  }

  /** Documents of the seed not used yet. */
  get seedSize(): number {
    return this.#seed?.size ?? 0;
  }

  /** The placement changed (an actor may have been written elsewhere since): the seed is no longer trusted. */
  dropSeed(): void {
    this.#seed = null;
    if (this.#seedTimer !== null) clearTimeout(this.#seedTimer);
  }

  load(kind: string, id: string): Promise<StoredState | undefined> {
    const seed = this.#seed;
    if (seed !== null) {
      const key = kind + ':' + id;
      const record = seed.get(key);
      if (record !== undefined) {
        // Once: from now on this worker's own saves are what the store holds.
        seed.delete(key);
        this.#seedHits++;
        return Promise.resolve(decodeRecord(record));
      }
    }
    return this.#inner.load(kind, id);
  }

  save(kind: string, id: string, state: unknown, expectedVersion: string | null, epoch: number, seqs?: SeqTable): Promise<string> {
    const key = kind + ':' + id;
    this.#seed?.delete(key);
    // Serialized once, as it is now: a store with saveText writes this very text; one without serializes
    // the state again at call time (the stores do), which gives the same text.
    let json: string;
    let seqsJson: string | null;
    try {
      json = stateJson(state);
      seqsJson = seqs === undefined ? null : JSON.stringify(seqs);
    } catch {
      // The store fails it the same way; the main thread just learns nothing of it.
      return this.#inner.save(kind, id, state, expectedVersion, epoch, seqs);
    }
    Atomics.add(this.#pending, 0, 1);
    this.#unposted++;
    this.#push([SAVE_STARTED, key]);
    const saving =
      this.#inner.saveText === undefined
        ? this.#inner.save(kind, id, state, expectedVersion, epoch, seqs)
        : this.#inner.saveText(kind, id, json, expectedVersion, epoch, seqsJson ?? undefined);
    return saving.then(
      (version) => {
        this.#push([SAVE_DONE, key, json, version, epoch, seqsJson]);
        return version;
      },
      (err: unknown) => {
        this.#push([SAVE_FAILED, key]);
        throw err;
      },
    );
  }

  close(): Promise<void> {
    this.dropSeed();
    this.#post();
    return this.#inner.close();
  }

  #push(event: SaveEvent): void {
    this.#events.push(event);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(this.#post);
  }

  readonly #post = (): void => {
    this.#scheduled = false;
    if (this.#events.length === 0) return;
    const events = this.#events;
    this.#events = [];
    this.#port.postMessage(events);
    // Posted (the receiver's queue has it, even if this thread dies now): no longer unknown.
    if (this.#unposted > 0) {
      Atomics.sub(this.#pending, 0, this.#unposted);
      this.#unposted = 0;
    }
  };
}

/** The worker's store, wrapped when the node keeps a copy of its saved state. */
export function reportingStore(store: StateStore, init: StateCopyInit | null | undefined): { store: StateStore; report: ReportingStateStore | null } {
  if (init === null || init === undefined) return { store, report: null };
  const report = new ReportingStateStore(store, init);
  return { store: report, report };
}
