// Checkpoints of the actor state documents: each one the documents changed since the last (read from
// CouchDB's `_changes`, normal mode), in chunks, then a manifest naming them and the sequence read up
// to, so the next one starts there. Restore replays checkpoints 1…n into an empty database.
import nano from 'nano';
import { checkObjectPrefix, systemClock, type Clock, type ObjectStore } from '../../runtime/index.js';
import { redactCredentials } from '../couch/index.js';
import {
  CHUNK_BYTES,
  CHUNK_DOCS,
  CheckpointError,
  CheckpointErrors,
  MANIFEST_FORMAT,
  chunkKey,
  encodeChunk,
  manifestKey,
  readChunk,
  readManifest,
  sha256,
  type CheckpointManifest,
  type ChunkEntry,
} from './checkpoint-format.js';

export interface CheckpointsOptions {
  /** The CouchDB (or embedded CouchDB-protocol server) holding the state; credentials never logged. */
  couchUrl: string;
  db: string;
  store: ObjectStore;
  /** Key prefix in the store. Default `checkpoints/<db>/`. */
  prefix?: string;
  clock?: Clock;
}

/** What `glass backup list` shows of one checkpoint. */
export interface CheckpointSummary {
  n: number;
  at: number;
  docs: number;
  chunks: number;
  until: string | number;
}

const PAGE = 500;
const WRITE_BATCH = 200;

export class Checkpoints {
  readonly prefix: string;
  readonly #server: nano.ServerScope;
  readonly #db: string;
  readonly #store: ObjectStore;
  readonly #clock: Clock;
  #running: Promise<CheckpointManifest | null> | null = null;

  constructor(options: CheckpointsOptions) {
    this.#db = options.db;
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.prefix = checkObjectPrefix(options.prefix ?? `checkpoints/${options.db}/`);
    this.#server = nano({ url: options.couchUrl, parseUrl: false } as nano.Configuration);
  }

  /** Where the state is read from, for logs. */
  describe(couchUrl: string): string {
    return `${redactCredentials(couchUrl)}/${this.#db}`;
  }

  /** Takes a checkpoint of what changed since the last one; null when nothing did. One at a time. */
  now(): Promise<CheckpointManifest | null> {
    this.#running ??= this.#take().finally(() => (this.#running = null));
    return this.#running;
  }

  /** Every checkpoint, oldest first (manifests validated). */
  async list(): Promise<CheckpointSummary[]> {
    return (await this.#manifests()).map((m) => ({ n: m.n, at: m.at, docs: m.docs, chunks: m.chunks.length, until: m.until }));
  }

  /**
   * Restores the state as of the newest checkpoint taken at or before `at` into `target` (a CouchDB
   * URL and database, created if missing), which must be empty: GLASS_ERR_RESTORE_NOT_EMPTY
   * otherwise, before anything is written. Documents are written without their old `_rev`.
   */
  async restore(at: number, target: { couchUrl: string; db: string }): Promise<{ checkpoint: number; docs: number }> {
    const all = await this.#manifests();
    const upTo = all.filter((m) => m.at <= at);
    if (upTo.length === 0) throw new CheckpointError(CheckpointErrors.NONE, `no checkpoint at or before ${new Date(at).toISOString()}`, { at });
    const server = nano({ url: target.couchUrl, parseUrl: false } as nano.Configuration);
    await server.db.create(target.db).catch((err: { statusCode?: number }) => {
      if (err?.statusCode !== 412) throw err;
    });
    const info = await server.db.get(target.db);
    // The embedded (PouchDB) server reports no doc_del_count.
    const docs0 = Number(info.doc_count ?? 0);
    const deleted0 = Number(info.doc_del_count ?? 0);
    if (docs0 !== 0 || deleted0 !== 0) {
      throw new CheckpointError(CheckpointErrors.NOT_EMPTY, `${redactCredentials(target.couchUrl)}/${target.db} is not empty (${docs0} documents, ${deleted0} deleted): restore writes into an empty store only`, { docs: docs0, deleted: deleted0 });
    }
    const state = new Map<string, Record<string, unknown>>();
    for (const m of upTo) {
      for (let k = 0; k < m.chunks.length; k++) {
        for (const entry of await this.#chunk(m, k)) {
          if ('doc' in entry) state.set(entry.id, entry.doc);
          else state.delete(entry.id);
        }
      }
    }
    const target_ = server.db.use(target.db);
    const docs = [...state.values()];
    for (let i = 0; i < docs.length; i += WRITE_BATCH) {
      const results = await target_.bulk({ docs: docs.slice(i, i + WRITE_BATCH) });
      const failed = results.find((r) => r.error !== undefined);
      if (failed !== undefined) throw new CheckpointError(CheckpointErrors.CORRUPT, `restore could not write ${failed.id}: ${failed.error}`, { id: failed.id });
    }
    return { checkpoint: upTo[upTo.length - 1].n, docs: docs.length };
  }

  async #take(): Promise<CheckpointManifest | null> {
    const previous = (await this.#manifests()).at(-1) ?? null;
    const n = (previous?.n ?? 0) + 1;
    const since = previous?.until ?? null;
    const db = this.#server.db.use(this.#db);
    const chunks: CheckpointManifest['chunks'] = [];
    let pending: ChunkEntry[] = [];
    let pendingBytes = 0;
    let total = 0;
    const flush = async () => {
      if (pending.length === 0) return;
      const k = chunks.length;
      const bytes = encodeChunk(n, k, pending);
      const key = chunkKey(this.prefix, n, k);
      await this.#store.put(key, bytes);
      chunks.push({ key, docs: pending.length, bytes: bytes.length, sha256: sha256(bytes) });
      pending = [];
      pendingBytes = 0;
    };
    let cursor: string | number | null = since;
    for (;;) {
      const page = await db.changes({ include_docs: true, limit: PAGE, ...(cursor !== null && { since: String(cursor) }) });
      const results = Array.isArray(page?.results) ? page.results : null;
      if (results === null) throw new CheckpointError(CheckpointErrors.CORRUPT, '_changes answered without results');
      for (const r of results as { id?: unknown; deleted?: unknown; doc?: unknown }[]) {
        if (typeof r.id !== 'string' || r.id === '' || r.id.length > 1_024) continue;
        let entry: ChunkEntry;
        if (r.deleted === true) entry = { id: r.id, deleted: true };
        else if (r.doc !== null && typeof r.doc === 'object') {
          const { _rev: _ignored, ...doc } = r.doc as Record<string, unknown>;
          entry = { id: r.id, doc };
        } else continue;
        const size = Buffer.byteLength(JSON.stringify(entry));
        if (size > CHUNK_BYTES) throw new CheckpointError(CheckpointErrors.TOO_LARGE, `document ${r.id} is ${size} bytes, more than a chunk (${CHUNK_BYTES})`, { id: r.id });
        if (pendingBytes + size > CHUNK_BYTES || pending.length >= CHUNK_DOCS) await flush();
        pending.push(entry);
        pendingBytes += size;
        total++;
      }
      const last = (page as { last_seq?: unknown }).last_seq;
      if (typeof last !== 'string' && typeof last !== 'number') throw new CheckpointError(CheckpointErrors.CORRUPT, '_changes answered without last_seq');
      cursor = last;
      if (results.length < PAGE) break;
    }
    await flush();
    if (total === 0) return null;
    const manifest: CheckpointManifest = { format: MANIFEST_FORMAT, db: this.#db, n, at: this.#clock.now(), since, until: cursor as string | number, docs: total, chunks };
    // Last: until it exists the chunks above belong to no checkpoint, and a retry writes them again.
    await this.#store.put(manifestKey(this.prefix, n), JSON.stringify(manifest));
    return manifest;
  }

  /** The manifests in order, each validated, the chain without gaps (1…n, each `since` the last `until`). */
  async #manifests(): Promise<CheckpointManifest[]> {
    const keys: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.#store.list(this.prefix, after === undefined ? {} : { after });
      for (const item of page.items) if (item.key.endsWith('/manifest.json')) keys.push(item.key);
      if (page.next === null) break;
      after = page.next;
    }
    const out: CheckpointManifest[] = [];
    for (const key of keys) {
      const bytes = await this.#store.get(key);
      if (bytes === undefined) continue;
      const m = readManifest(bytes, key, this.prefix);
      const prev = out.at(-1);
      if (m.n !== (prev?.n ?? 0) + 1 || JSON.stringify(m.since) !== JSON.stringify(prev?.until ?? null)) {
        throw new CheckpointError(CheckpointErrors.CORRUPT, `checkpoint ${m.n} does not follow checkpoint ${prev?.n ?? 0}`, { key });
      }
      out.push(m);
    }
    return out;
  }

  async #chunk(m: CheckpointManifest, k: number): Promise<ChunkEntry[]> {
    const bytes = await this.#store.get(m.chunks[k].key);
    if (bytes === undefined) throw new CheckpointError(CheckpointErrors.CORRUPT, `${m.chunks[k].key} is missing`, { key: m.chunks[k].key });
    return readChunk(bytes, m, k);
  }
}
