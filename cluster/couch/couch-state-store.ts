import { randomUUID } from 'node:crypto';
import { StoreConflictError, StoreUnavailableError, stateJson, type StateStore, type SeqTable, type StoredState } from '../../runtime/index.js';
import { CouchHttp, CouchRequestError, type AllDocsRow } from './couch-http.js';
import { resolveCouchOptions, type CouchStateStoreOptions, type ResolvedCouchOptions } from './couch-options.js';
import { TickBatch } from './couch-tick-batch.js';

interface PendingLoad {
  key: string;
  resolve(stored: StoredState | undefined): void;
  reject(err: unknown): void;
}

interface PendingSave {
  key: string;
  /** The document, serialized when save() was called: later changes to the live state are not saved. */
  json: string;
  writeId: string;
  expectedVersion: string | null;
  resolve(version: string): void;
  reject(err: unknown): void;
}

/** CouchDB revisions are `<generation>-<hash>`; anything else cannot be the current one. */
const REVISION = /^\d+-[0-9a-z]+$/i;
/** A `_bulk_docs` body grows to this size at most (beyond one document), whatever maxBatch says. */
const MAX_BULK_BYTES = 8 * 1024 * 1024;

/**
 * Actor state in CouchDB: one document per actor, `_id` = `kind:id`, body `{ kind, id, state,
 * epoch, seqs, savedAt, writeId }`; the version is the document's `_rev`.
 *
 * The fencing rule is CouchDB's own: a write carries the `_rev` it expects (none for a first save)
 * and the server refuses it (409 `conflict`) if that is not the current one. A conflict is never
 * retried and nothing is overwritten; the stale activation gets StoreConflictError.
 *
 * Loads of one event-loop turn go out as one `POST _all_docs`, saves as one `_bulk_docs`. One key
 * goes at most once into a `_bulk_docs`: a second save of it in the same window is sent in the next
 * window, not rejected, because only the server knows which of the two expects the current `_rev`
 * (the first may be the stale one), and CouchDB does not say how it orders two updates of one
 * document in one request.
 *
 * `writeId` makes retried saves safe: when an attempt timed out or got a 5xx, it may have been
 * applied, and the retry then conflicts with the write itself. Such a conflict is checked by
 * reading the document back: if it carries this save's writeId, the save did land.
 */
export class CouchStateStore implements StateStore {
  readonly #http: CouchHttp;
  readonly #maxBatch: number;
  readonly #loads = new TickBatch<PendingLoad>((items) => this.#flushLoads(items));
  readonly #saves = new TickBatch<PendingSave>((items) => this.#flushSaves(items));
  readonly #writer = randomUUID();
  #writes = 0;
  #closed = false;

  constructor(options: ResolvedCouchOptions) {
    this.#http = new CouchHttp(options);
    this.#maxBatch = options.maxBatch;
  }

  load(kind: string, id: string): Promise<StoredState | undefined> {
    const key = kind + ':' + id;
    if (this.#closed) return Promise.reject(new StoreUnavailableError('load', key, { cause: new Error('store closed') }));
    return new Promise((resolve, reject) => this.#loads.add({ key, resolve, reject }));
  }

  save(kind: string, id: string, state: unknown, expectedVersion: string | null, epoch: number, seqs?: SeqTable): Promise<string> {
    let json: string;
    let seqsJson: string | undefined;
    try {
      // Through stateJson: it reuses the text of unchanged entries.
      json = stateJson(state);
      seqsJson = seqs === undefined ? undefined : JSON.stringify(seqs);
    } catch (err) {
      return Promise.reject(new StoreUnavailableError('save', kind + ':' + id, { cause: err }));
    }
    return this.saveText(kind, id, json, expectedVersion, epoch, seqsJson);
  }

  saveText(kind: string, id: string, state: string, expectedVersion: string | null, epoch: number, seqsJson?: string): Promise<string> {
    const key = kind + ':' + id;
    if (this.#closed) return Promise.reject(new StoreUnavailableError('save', key, { cause: new Error('store closed') }));
    // Checked here: a malformed _rev makes the server refuse the whole _bulk_docs (400), not one document.
    if (expectedVersion !== null && !REVISION.test(expectedVersion)) return Promise.reject(new StoreConflictError(key, expectedVersion));
    const writeId = `${this.#writer}.${++this.#writes}`;
    const head = { _id: key, _rev: expectedVersion ?? undefined, kind, id, epoch, savedAt: new Date().toISOString(), writeId };
    // The texts of the seqs and of the state go in last, as given.
    const json = JSON.stringify(head).slice(0, -1) + (seqsJson === undefined ? '' : ',"seqs":' + seqsJson) + ',"state":' + state + '}';
    return new Promise((resolve, reject) => this.#saves.add({ key, json, writeId, expectedVersion, resolve, reject }));
  }

  /** Lets what was asked for before finish, then refuses new requests. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([this.#loads.idle(), this.#saves.idle()]);
  }

  async #flushLoads(items: PendingLoad[]): Promise<void> {
    // Callers of one key share a row; each gets its own copy of the state.
    const waiting = new Map<string, PendingLoad[]>();
    for (const item of items) {
      const list = waiting.get(item.key);
      if (list === undefined) waiting.set(item.key, [item]);
      else list.push(item);
    }
    const keys = [...waiting.keys()];
    const chunks: Promise<void>[] = [];
    for (let i = 0; i < keys.length; i += this.#maxBatch) {
      const chunk = keys.slice(i, i + this.#maxBatch);
      // A bug below must not leave callers waiting forever: whoever is still waiting is rejected.
      const failed = (err: unknown): void => chunk.forEach((key) => waiting.get(key)?.forEach((w) => w.reject(new StoreUnavailableError('load', key, { cause: err }))));
      chunks.push(this.#loadChunk(chunk, waiting).catch(failed));
    }
    await Promise.all(chunks);
  }

  async #loadChunk(keys: string[], waiting: Map<string, PendingLoad[]>): Promise<void> {
    let rows: AllDocsRow[];
    try {
      rows = keys.length === 1 ? [{ key: keys[0], doc: await this.#http.getDoc(keys[0]) }] : await this.#http.allDocs(keys);
    } catch (err) {
      for (const key of keys) for (const w of waiting.get(key)!) w.reject(new StoreUnavailableError('load', key, { cause: err }));
      return;
    }
    for (const row of rows) {
      const list = waiting.get(row.key);
      if (list === undefined) continue;
      waiting.delete(row.key);
      const stored = toStored(row);
      list.forEach((w, i) => w.resolve(i === 0 || stored === undefined ? stored : structuredClone(stored)));
    }
    for (const key of keys) {
      const missed = waiting.get(key);
      if (missed === undefined) continue;
      const cause = new CouchRequestError('_all_docs', undefined, 'no row', `for key ${key}`);
      for (const w of missed) w.reject(new StoreUnavailableError('load', key, { cause }));
    }
  }

  async #flushSaves(items: PendingSave[]): Promise<void> {
    const keys = new Set<string>();
    const chunks: Promise<void>[] = [];
    let chunk: PendingSave[] = [];
    let bytes = 0;
    const send = (saves: PendingSave[]): void => {
      // A bug below must not leave callers waiting forever (settling twice is a no-op).
      const failed = (err: unknown): void => saves.forEach((s) => s.reject(new StoreUnavailableError('save', s.key, { cause: err })));
      chunks.push(this.#saveChunk(saves).catch(failed));
    };
    for (const item of items) {
      if (keys.has(item.key)) {
        this.#saves.add(item);
        continue;
      }
      keys.add(item.key);
      if (chunk.length === this.#maxBatch || (chunk.length > 0 && bytes + item.json.length > MAX_BULK_BYTES)) {
        send(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(item);
      bytes += item.json.length;
    }
    if (chunk.length > 0) send(chunk);
    await Promise.all(chunks);
  }

  async #saveChunk(chunk: PendingSave[]): Promise<void> {
    let results, retried;
    try {
      ({ results, retried } = await this.#http.bulkDocs('{"docs":[' + chunk.map((s) => s.json).join(',') + ']}'));
    } catch (err) {
      for (const s of chunk) s.reject(new StoreUnavailableError('save', s.key, { cause: err }));
      return;
    }
    const byId = new Map(results.map((r) => [r.id, r]));
    const unsure: PendingSave[] = [];
    for (const s of chunk) {
      const r = byId.get(s.key);
      if (r !== undefined && r.error === undefined && typeof r.rev === 'string') s.resolve(r.rev);
      else if (r?.error === 'conflict' && retried) unsure.push(s);
      else if (r?.error === 'conflict') s.reject(new StoreConflictError(s.key, s.expectedVersion));
      else s.reject(new StoreUnavailableError('save', s.key, { cause: new CouchRequestError('_bulk_docs', undefined, r?.error ?? 'no result', r?.reason ?? '') }));
    }
    if (unsure.length > 0) await this.#settleUnsure(unsure);
  }

  /** Conflicts after a retried _bulk_docs: this save itself, applied by an earlier attempt, or another writer's. */
  async #settleUnsure(saves: PendingSave[]): Promise<void> {
    let rows: AllDocsRow[];
    try {
      rows = await this.#http.allDocs(saves.map((s) => s.key));
    } catch (err) {
      // Whether the save landed is unknown: not a conflict (which would fence a live activation).
      for (const s of saves) s.reject(new StoreUnavailableError('save', s.key, { cause: err }));
      return;
    }
    const docs = new Map(rows.map((row) => [row.key, row.doc]));
    for (const s of saves) {
      const doc = docs.get(s.key);
      if (doc != null && doc.writeId === s.writeId && typeof doc._rev === 'string') s.resolve(doc._rev);
      else s.reject(new StoreConflictError(s.key, s.expectedVersion));
    }
  }
}

function toStored(row: AllDocsRow): StoredState | undefined {
  const doc = row.doc;
  if (row.error !== undefined || doc == null || row.value?.deleted === true) return undefined;
  const stored: StoredState = { state: doc.state, version: doc._rev as string, epoch: typeof doc.epoch === 'number' ? doc.epoch : 0 };
  if (doc.seqs !== null && typeof doc.seqs === 'object') stored.seqs = doc.seqs as SeqTable;
  return stored;
}

/** The factory a worker thread calls (ModuleRef export): options are validated here. */
export function createCouchStateStore(options: CouchStateStoreOptions): StateStore {
  return new CouchStateStore(resolveCouchOptions(options));
}

/** The module whose `createCouchStateStore` export each worker calls with `{ url, db }`. */
export const COUCH_STATE_STORE_MODULE = import.meta.url;
