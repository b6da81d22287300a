// A node's search: which index (Meilisearch at MEILI_URL, else the node's PostgreSQL — GLASS_PG_URL's
// server or the embedded PGlite of cluster/postgres) and the indexer that follows the node's CouchDB.
// The embedded database opens in the background (a first start runs initdb, seconds): the node
// serves players meanwhile, and a search waits for it.
import { SearchError, SearchErrors, type SearchHit, type SearchIndex, type SearchQuery, type SearchDocument } from '../../runtime/index.js';
import { ChangesIndexer } from './changes-indexer.js';
import { MeiliSearchIndex } from './meili-search-index.js';
import { PgSearchIndex } from './pg-search-index.js';

/** The node's PostgreSQL (cluster/postgres: GLASS_PG_URL's server or the embedded PGlite) as search needs it. */
export interface SearchPostgres {
  readonly url: string;
  /** Resolves once it serves connections (the embedded one opens PGlite in the background). */
  readonly ready: Promise<void>;
  /** PGlite has one session: the index then uses one connection, so one transaction never takes in another's statements. */
  readonly embedded: boolean;
  readonly description: string;
}

export interface NodeSearch {
  readonly index: SearchIndex;
  /** Null when the node's state is not in CouchDB (the memory store): nothing to follow. */
  readonly indexer: Promise<ChangesIndexer | null>;
  /** Where the index is, without credentials: for the start log. */
  readonly description: string;
  close(): Promise<void>;
}

/** Opens Meilisearch (MEILI_URL) or else the node's PostgreSQL, without waiting for it, and follows `couch` when given. */
export function startNodeSearch(env: NodeJS.ProcessEnv, couch: { url: string; db: string } | null, postgres: SearchPostgres, onError: (err: unknown) => void = () => {}): NodeSearch {
  let opened: Promise<SearchIndex>;
  let description: string;
  let backend: string;
  if ((env.MEILI_URL ?? '') !== '') {
    opened = Promise.resolve(new MeiliSearchIndex({ url: env.MEILI_URL!, key: env.MEILI_KEY || undefined }));
    description = `meilisearch ${safeUrl(env.MEILI_URL!)}`;
    backend = 'meilisearch';
  } else {
    backend = postgres.embedded ? 'pglite' : 'postgres';
    opened = postgres.ready.then(() => new PgSearchIndex({ url: postgres.url, schema: env.GLASS_PG_SCHEMA || 'public', backend, ...(postgres.embedded && { poolSize: 1 }) }));
    description = postgres.description;
  }
  const ready = opened.then(
    async (index) => {
      await (index as PgSearchIndex | MeiliSearchIndex).ready();
      return index;
    },
    (err: unknown) => {
      throw new SearchError(SearchErrors.UNAVAILABLE, 'the search database did not start', {}, { cause: err });
    },
  );
  const indexer = couch === null ? Promise.resolve(null) : ready.then((index) => new ChangesIndexer({ couchUrl: couch.url, db: couch.db, index }).on('error', onError).start());
  ready.catch(onError);
  indexer.catch(() => {});
  const index = new DeferredSearchIndex(ready, backend);
  return {
    index,
    indexer,
    description,
    close: async () => {
      await (await indexer.catch(() => null))?.close();
      await index.close();
    },
  };
}

/** A SearchIndex whose backend is still starting: every call waits for it (or fails as it failed). */
class DeferredSearchIndex implements SearchIndex {
  readonly backend: string;
  readonly #ready: Promise<SearchIndex>;

  constructor(ready: Promise<SearchIndex>, backend: string) {
    this.#ready = ready;
    this.backend = backend;
  }

  async upsert(docs: readonly SearchDocument[]): Promise<void> {
    return (await this.#ready).upsert(docs);
  }
  async delete(ids: readonly string[]): Promise<void> {
    return (await this.#ready).delete(ids);
  }
  async deleteSession(session: string): Promise<void> {
    return (await this.#ready).deleteSession(session);
  }
  async search(query: SearchQuery): Promise<SearchHit[]> {
    return (await this.#ready).search(query);
  }
  async readCheckpoint(feed: string): Promise<string | null> {
    return (await this.#ready).readCheckpoint(feed);
  }
  async writeCheckpoint(feed: string, since: string): Promise<void> {
    return (await this.#ready).writeCheckpoint(feed, since);
  }
  async close(): Promise<void> {
    const index = await this.#ready.catch(() => null);
    await index?.close();
  }
}

function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '[unparsable URL]';
  }
}
