// The SearchIndex on Meilisearch (`meilisearch` 0.62, MEILI_URL and MEILI_KEY): one index of
// documents and a small one for feed checkpoints. Every write is a task, awaited before the call
// returns, so a caller that wrote can search what it wrote. Typo tolerance is Meilisearch's own.
import { createHash } from 'node:crypto';
import { Meilisearch, MeilisearchApiError, MeilisearchRequestError, type Index } from 'meilisearch';
import {
  SearchError,
  SearchErrors,
  SearchLimits,
  validateSearchDocument,
  validateSearchQuery,
  type SearchDocument,
  type SearchHit,
  type SearchIndex,
  type SearchKind,
  type SearchQuery,
} from '../../runtime/index.js';

export interface MeiliSearchIndexOptions {
  url: string;
  /** An API key allowed to write documents and settings; never logged. */
  key?: string;
  /** Index uid prefix: `<prefix>_docs` and `<prefix>_meta`. Default `glass_search`. */
  prefix?: string;
  /** Per HTTP request. Default 5000. */
  timeoutMs?: number;
  /** How long a write waits for its task. Default 30000. */
  taskTimeoutMs?: number;
}

/** Meilisearch ids may hold only [A-Za-z0-9_-]: `key` is the document id in base64url. */
type MeiliDoc = SearchDocument & { key: string };

const UID = /^[a-z0-9_-]{1,100}$/i;

export class MeiliSearchIndex implements SearchIndex {
  readonly backend = 'meilisearch';
  readonly #client: Meilisearch;
  readonly #docs: Index<MeiliDoc>;
  readonly #meta: Index<{ key: string; since: string }>;
  readonly #taskTimeoutMs: number;
  readonly #uids: { docs: string; meta: string };
  #ready: Promise<void> | null = null;
  #closed = false;

  constructor(options: MeiliSearchIndexOptions) {
    const prefix = options.prefix ?? 'glass_search';
    if (!UID.test(prefix)) throw new SearchError(SearchErrors.INVALID_QUERY, 'the Meilisearch index prefix must match [A-Za-z0-9_-]', { field: 'prefix' });
    this.#client = new Meilisearch({ host: options.url, ...(options.key !== undefined && options.key !== '' && { apiKey: options.key }), timeout: options.timeoutMs ?? 5_000 });
    this.#uids = { docs: `${prefix}_docs`, meta: `${prefix}_meta` };
    this.#docs = this.#client.index<MeiliDoc>(this.#uids.docs);
    this.#meta = this.#client.index(this.#uids.meta);
    this.#taskTimeoutMs = options.taskTimeoutMs ?? 30_000;
  }

  /** Creates both indexes (an existing one is fine) and sets what is searched and filtered. */
  ready(): Promise<void> {
    return (this.#ready ??= this.#call('setup', async () => {
      for (const uid of [this.#uids.docs, this.#uids.meta]) {
        const task = await this.#client.createIndex(uid, { primaryKey: 'key' }).waitTask({ timeout: this.#taskTimeoutMs });
        if (task.status === 'failed' && task.error?.code !== 'index_already_exists') throw taskFailed('setup', task.error);
      }
      await this.#wait('setup', this.#docs.updateSettings({
        searchableAttributes: ['title', 'tags', 'body'],
        filterableAttributes: ['kind', 'world', 'session'],
        displayedAttributes: ['id', 'kind', 'world', 'session', 'title', 'body', 'tags', 'updatedAt'],
      }));
    }).catch((err) => {
      this.#ready = null;
      throw err;
    }));
  }

  async upsert(docs: readonly SearchDocument[]): Promise<void> {
    if (docs.length > SearchLimits.maxBatch) throw new SearchError(SearchErrors.INVALID_DOCUMENT, `at most ${SearchLimits.maxBatch} documents per upsert`, { field: 'documents' });
    const valid = docs.map(validateSearchDocument);
    if (valid.length === 0) return;
    await this.ready();
    const byKey = new Map(valid.map((d) => [keyOf(d.id), { key: keyOf(d.id), ...d }]));
    await this.#wait('upsert', this.#docs.addDocuments([...byKey.values()]));
  }

  async delete(ids: readonly string[]): Promise<void> {
    if (ids.length > SearchLimits.maxBatch || !ids.every((id) => typeof id === 'string')) throw new SearchError(SearchErrors.INVALID_DOCUMENT, `ids must be at most ${SearchLimits.maxBatch} strings`, { field: 'ids' });
    if (ids.length === 0) return;
    await this.ready();
    await this.#wait('delete', this.#docs.deleteDocuments(ids.map(keyOf)));
  }

  async deleteSession(session: string): Promise<void> {
    if (typeof session !== 'string' || session === '') throw new SearchError(SearchErrors.INVALID_DOCUMENT, 'session must be a non-empty string', { field: 'session' });
    await this.ready();
    await this.#wait('delete', this.#docs.deleteDocuments({ filter: `session = ${quote(session)}` }));
  }

  async search(query: SearchQuery): Promise<SearchHit[]> {
    const q = validateSearchQuery(query);
    await this.ready();
    const filter: string[] = [];
    if (q.kind !== undefined) filter.push(`kind = ${quote(q.kind)}`);
    if (q.world !== undefined) filter.push(`world = ${quote(q.world)}`);
    if (q.session !== undefined) filter.push(`session = ${quote(q.session)}`);
    const answer = await this.#call('search', () =>
      this.#docs.search(q.text, {
        limit: q.limit,
        ...(filter.length > 0 && { filter: filter.join(' AND ') }),
        attributesToRetrieve: ['id', 'kind', 'world', 'session', 'title', 'updatedAt'],
        attributesToCrop: ['body'],
        cropLength: 24,
        attributesToHighlight: ['body'],
        highlightPreTag: '[[',
        highlightPostTag: ']]',
        showRankingScore: true,
      }),
    );
    // The answer is checked like any input: a hit without the fields we wrote is dropped.
    const hits: SearchHit[] = [];
    for (const h of answer.hits as unknown[] as (typeof answer.hits)[number][]) {
      if (h === null || typeof h !== 'object' || typeof h.id !== 'string' || typeof h.title !== 'string' || (h.kind !== 'lore' && h.kind !== 'transcript')) continue;
      const body = h._formatted?.body;
      hits.push({
        id: h.id,
        kind: h.kind,
        world: typeof h.world === 'string' ? h.world : null,
        session: typeof h.session === 'string' ? h.session : null,
        title: h.title,
        highlight: typeof body === 'string' ? body : '',
        score: typeof h._rankingScore === 'number' ? h._rankingScore : 0,
        updatedAt: typeof h.updatedAt === 'number' ? h.updatedAt : 0,
      });
    }
    return hits;
  }

  async readCheckpoint(feed: string): Promise<string | null> {
    await this.ready();
    try {
      const doc = await this.#call('checkpoint', () => this.#meta.getDocument(keyOf(feed)));
      return typeof doc.since === 'string' ? doc.since : null;
    } catch (err) {
      if (err instanceof SearchError && err.details?.meiliCode === 'document_not_found') return null;
      throw err;
    }
  }

  async writeCheckpoint(feed: string, since: string): Promise<void> {
    await this.ready();
    await this.#wait('checkpoint', this.#meta.addDocuments([{ key: keyOf(feed), since }]));
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async #wait(operation: string, enqueued: ReturnType<Index['addDocuments']>): Promise<void> {
    const task = await this.#call(operation, () => enqueued.waitTask({ timeout: this.#taskTimeoutMs }));
    if (task.status !== 'succeeded') throw taskFailed(operation, task.error);
  }

  async #call<T>(operation: string, body: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new SearchError(SearchErrors.CLOSED, 'the search index is closed', { operation });
    try {
      return await body();
    } catch (err) {
      if (err instanceof SearchError) throw err;
      if (err instanceof MeilisearchApiError) {
        const code = err.cause?.code;
        throw new SearchError(SearchErrors.UNAVAILABLE, `Meilisearch refused the ${operation}: ${err.cause?.message ?? err.message}`, { operation, ...(code !== undefined && { meiliCode: code }), status: err.response.status }, { cause: err });
      }
      const what = err instanceof MeilisearchRequestError ? 'could not be reached' : 'failed';
      throw new SearchError(SearchErrors.UNAVAILABLE, `Meilisearch ${what} (${operation})`, { operation }, { cause: err });
    }
  }
}

function taskFailed(operation: string, error: { code?: string; message?: string } | null | undefined): SearchError {
  return new SearchError(SearchErrors.UNAVAILABLE, `Meilisearch task failed (${operation}): ${error?.message ?? 'no reason given'}`, { operation, ...(error?.code !== undefined && { meiliCode: error.code }) });
}

/** `i` + base64url of the id, or `h` + its SHA-256 when that would pass Meilisearch's 511 bytes. */
function keyOf(id: string): string {
  const plain = Buffer.from(id, 'utf8').toString('base64url');
  return plain.length < 500 ? 'i' + plain : 'h' + createHash('sha256').update(id).digest('base64url');
}

/** A filter value in double quotes; the names are validated, but quoting is what makes a filter safe. */
function quote(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}
