// Keeps a SearchIndex up with the actor documents: follows CouchDB's `_changes` (longpoll, docs
// included; no `filter=_selector`, which crashes the embedded server), indexes lore, session turns
// and room lines, and writes the feed position (`since`) beside the index after each batch, so a
// restarted node goes on where it stopped.
import { EventEmitter } from 'node:events';
import { SearchLimits, type SearchDocument, type SearchIndex } from '../../runtime/index.js';
import { Backoff } from '../../supervisors/index.js';
import { indexChangeOf } from './search-documents.js';

export interface ChangesIndexerOptions {
  /** The CouchDB server (credentials in the URL are sent as Basic auth, never logged). */
  couchUrl: string;
  db: string;
  index: SearchIndex;
  /** Rows per `_changes` read. Default 200. */
  batchSize?: number;
  /** How long a caught-up read waits for a change. Default 20000. */
  longpollMs?: number;
  /** Default Date.now. */
  now?: () => number;
}

export interface ChangesIndexerStatus {
  since: string;
  /** 0 while caught up; else how long since it last was (the seed's signal: > 3 min). */
  lagMs: number;
  caughtUp: boolean;
  indexed: number;
  removed: number;
  skipped: number;
  failures: number;
  lastError: string | null;
}

interface ChangeRow {
  id: string;
  deleted?: boolean;
  doc?: unknown;
}

/** Actors whose indexed entries are remembered (so a session's next turn writes one document, not 500). */
const MEMO_ACTORS = 256;
const DELETED = -1;

/** Emits `caught-up` (status) each time a read finds nothing more, `error` (err) on each failed round. */
export class ChangesIndexer extends EventEmitter {
  readonly #index: SearchIndex;
  readonly #changesUrl: string;
  readonly #headers: Record<string, string>;
  readonly #batch: number;
  readonly #longpollMs: number;
  readonly #now: () => number;
  readonly #feed: string;
  readonly #abort = new AbortController();
  readonly #backoff = new Backoff({ minMs: 250, maxMs: 10_000, randomFactor: 0.2 });
  /** Actor key → (document id → fingerprint of what was indexed, or DELETED); insertion order is recency. */
  readonly #memo = new Map<string, Map<string, number>>();
  #since = '0';
  #caughtUp = false;
  #caughtUpAt: number;
  #counts = { indexed: 0, removed: 0, skipped: 0, failures: 0 };
  #lastError: string | null = null;
  #loop: Promise<void> | null = null;

  constructor(options: ChangesIndexerOptions) {
    super();
    this.#index = options.index;
    this.#batch = Math.min(options.batchSize ?? 200, SearchLimits.maxBatch);
    this.#longpollMs = options.longpollMs ?? 20_000;
    this.#now = options.now ?? Date.now;
    this.#caughtUpAt = this.#now();
    const url = new URL(options.couchUrl);
    this.#headers = { accept: 'application/json' };
    if (url.username !== '') this.#headers.authorization = 'Basic ' + Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64');
    url.username = '';
    url.password = '';
    this.#changesUrl = `${url.origin}${url.pathname.replace(/\/$/, '')}/${encodeURIComponent(options.db)}/_changes`;
    this.#feed = `couch:${options.db}`;
  }

  start(): this {
    this.#loop ??= this.#run();
    return this;
  }

  status(): ChangesIndexerStatus {
    return { since: this.#since, lagMs: this.#caughtUp ? 0 : Math.max(0, this.#now() - this.#caughtUpAt), caughtUp: this.#caughtUp, ...this.#counts, lastError: this.#lastError };
  }

  /** Resolves the next time the indexer has read everything there was (for `glass lore import` and tests: no sleeping). */
  caughtUp(): Promise<ChangesIndexerStatus> {
    return new Promise((resolve) => this.once('caught-up', resolve));
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        this.#since = (await this.#index.readCheckpoint(this.#feed)) ?? '0';
        break;
      } catch (err) {
        await this.#failed(err);
      }
    }
    while (!signal.aborted) {
      try {
        const wait = this.#caughtUp ? `&feed=longpoll&timeout=${this.#longpollMs}` : '';
        const rows = await this.#read(`${this.#changesUrl}?since=${encodeURIComponent(this.#since)}&include_docs=true&limit=${this.#batch}${wait}`);
        if (rows.results.length > 0) {
          this.#caughtUp = false;
          await this.#apply(rows.results);
        }
        this.#since = rows.lastSeq;
        if (rows.results.length > 0) await this.#index.writeCheckpoint(this.#feed, this.#since);
        this.#backoff.reset();
        this.#lastError = null;
        if (rows.results.length < this.#batch) {
          this.#caughtUp = true;
          this.#caughtUpAt = this.#now();
          this.emit('caught-up', this.status());
        }
      } catch (err) {
        if (signal.aborted) break;
        this.#caughtUp = false;
        await this.#failed(err);
      }
    }
  }

  async #failed(err: unknown): Promise<void> {
    this.#counts.failures++;
    this.#lastError = err instanceof Error ? err.message : String(err);
    if (this.listenerCount('error') > 0) this.emit('error', err);
    const delayMs = this.#backoff.next();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      this.#abort.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }

  async #read(url: string): Promise<{ results: ChangeRow[]; lastSeq: string }> {
    const response = await fetch(url, { headers: this.#headers, signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#longpollMs + 10_000)]) });
    if (!response.ok) throw new Error(`_changes: HTTP ${response.status}`);
    const body = (await response.json()) as { results?: unknown; last_seq?: unknown };
    // What the store answers is checked like any input: a malformed page stops here, nothing half-applied.
    if (!Array.isArray(body.results) || (typeof body.last_seq !== 'string' && typeof body.last_seq !== 'number')) throw new Error('_changes: malformed answer');
    const results = body.results.filter((r): r is ChangeRow => r !== null && typeof r === 'object' && typeof (r as ChangeRow).id === 'string');
    return { results, lastSeq: String(body.last_seq) };
  }

  async #apply(rows: ChangeRow[]): Promise<void> {
    const upserts: SearchDocument[] = [];
    const deletes: string[] = [];
    const memoUpdates: [string, string, number][] = [];
    for (const row of rows) {
      const change = indexChangeOf(row.id, row.deleted === true, row.doc);
      this.#counts.skipped += change.skipped;
      if (change.dropSession !== undefined) {
        await this.#index.deleteSession(change.dropSession);
        this.#memo.delete(row.id);
        this.#counts.removed++;
        continue;
      }
      const memo = this.#memo.get(row.id);
      for (const doc of change.upsert) {
        const print = fingerprint(doc);
        if (memo?.get(doc.id) === print) continue;
        upserts.push(doc);
        memoUpdates.push([row.id, doc.id, print]);
      }
      for (const id of change.delete) {
        if (memo?.get(id) === DELETED) continue;
        deletes.push(id);
        memoUpdates.push([row.id, id, DELETED]);
      }
    }
    for (let i = 0; i < upserts.length; i += SearchLimits.maxBatch) await this.#index.upsert(upserts.slice(i, i + SearchLimits.maxBatch));
    for (let i = 0; i < deletes.length; i += SearchLimits.maxBatch) await this.#index.delete(deletes.slice(i, i + SearchLimits.maxBatch));
    this.#counts.indexed += upserts.length;
    this.#counts.removed += deletes.length;
    // Remembered only once written: a failed batch is read again and written whole.
    for (const [actor, id, print] of memoUpdates) this.#remember(actor).set(id, print);
  }

  #remember(actor: string): Map<string, number> {
    let memo = this.#memo.get(actor);
    if (memo !== undefined) this.#memo.delete(actor);
    else memo = new Map();
    this.#memo.set(actor, memo);
    if (this.#memo.size > MEMO_ACTORS) this.#memo.delete(this.#memo.keys().next().value!);
    return memo;
  }
}

/** FNV-1a over what a hit shows: equal prints mean nothing to rewrite (a collision costs a stale entry until its next change). */
function fingerprint(doc: SearchDocument): number {
  let h = 0x811c9dc5;
  const text = `${doc.title}\u0001${doc.body}\u0001${doc.tags.join('\u0002')}\u0001${doc.world ?? ''}\u0001${doc.updatedAt}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
