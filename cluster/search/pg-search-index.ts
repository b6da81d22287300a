// The SearchIndex on PostgreSQL (the server, or the embedded PGlite over its socket): a weighted
// tsvector with GIN for words, pg_trgm for typos, ts_headline for the excerpt. Parameterised SQL only.
import pg from 'pg';
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
import { migrateSearchSchema, searchTables, type SearchTables } from './pg-search-schema.js';

export interface PgSearchIndexOptions {
  /** postgres:// URL; its password never reaches a log or an error. */
  url: string;
  /** Default `public`. */
  schema?: string;
  /** Default 4. */
  poolSize?: number;
  /** Default 5000. */
  queryTimeoutMs?: number;
  /**
   * pg_trgm's word_similarity_threshold for the typo pass, set per transaction. Default 0.3: at the
   * extension's default 0.6 a query with two typos ("dragn templ") finds nothing.
   */
  typoThreshold?: number;
  /** What `backend` says. Default `postgres`. */
  backend?: string;
}

/** The text search configuration: English stemming for bodies and tags; titles too. */
const CONFIG = 'english';
const HEADLINE = 'StartSel=[[, StopSel=]], MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "';

/** Matches ranked per query at most (the most recent ones). */
const RANK_CANDIDATES = 1_000;
const MAX_TYPO_WORDS = 8;
const WORD = /[a-z]{3,40}/g;
const LEXICON_WORD = /^[a-z]{3,40}$/;

/**
 * The words a batch adds to the lexicon: lore only. Transcripts are left out because a redaction
 * must take text out of the index, and a lexicon keeps words after their document is gone.
 */
function lexiconOf(docs: readonly SearchDocument[]): string[] {
  const words = new Set<string>();
  for (const d of docs) {
    if (d.kind !== 'lore') continue;
    for (const w of `${d.title} ${d.tags.join(' ')} ${d.body}`.toLowerCase().split(/[^a-z]+/)) if (LEXICON_WORD.test(w)) words.add(w);
  }
  return [...words];
}

interface HitRow {
  id: string;
  kind: SearchKind;
  world: string | null;
  session: string | null;
  title: string;
  highlight: string;
  score: number;
  updated_at: string;
}

export class PgSearchIndex implements SearchIndex {
  readonly backend: string;
  readonly #pool: pg.Pool;
  readonly #tables: SearchTables;
  readonly #typoThreshold: number;
  #ready: Promise<void> | null = null;
  #closed = false;

  constructor(options: PgSearchIndexOptions) {
    this.#tables = searchTables(options.schema ?? 'public');
    this.backend = options.backend ?? 'postgres';
    this.#typoThreshold = options.typoThreshold ?? 0.3;
    const timeout = options.queryTimeoutMs ?? 5_000;
    this.#pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 4, connectionTimeoutMillis: 3_000, query_timeout: timeout, statement_timeout: timeout });
    // An idle client losing its server must not end the process: the next query reports it.
    this.#pool.on('error', () => {});
  }

  /** Creates the tables if needed; every other call waits for it. */
  ready(): Promise<void> {
    return (this.#ready ??= this.#withClient('migrate', async (c) => {
      await migrateSearchSchema(c, this.#tables);
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
    // One statement for the batch: unnest over parallel arrays, the last of duplicate ids wins.
    const byId = new Map(valid.map((d) => [d.id, d]));
    const rows = [...byId.values()];
    await this.#withClient('upsert', (c) =>
      c.query(
        `INSERT INTO ${this.#tables.docs} (id, kind, world, session, title, body, tags, updated_at, tsv)
         SELECT d.id, d.kind, d.world, d.session, d.title, d.body, string_to_array(d.tags, E'\\x1f'), d.updated_at,
           setweight(to_tsvector('${CONFIG}', d.title), 'A') || setweight(to_tsvector('${CONFIG}', replace(d.tags, E'\\x1f', ' ')), 'B') || setweight(to_tsvector('${CONFIG}', d.body), 'C')
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[])
           AS d(id, kind, world, session, title, body, tags, updated_at)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, world = excluded.world, session = excluded.session, title = excluded.title,
           body = excluded.body, tags = excluded.tags, updated_at = excluded.updated_at, tsv = excluded.tsv`,
        [
          rows.map((d) => d.id),
          rows.map((d) => d.kind),
          rows.map((d) => d.world),
          rows.map((d) => d.session),
          rows.map((d) => d.title),
          rows.map((d) => d.body),
          // Tags joined on the unit separator: a text[][] of ragged rows is not an array PostgreSQL takes.
          rows.map((d) => d.tags.map((t) => t.replaceAll('\x1f', ' ')).join('\x1f')),
          rows.map((d) => String(d.updatedAt)),
        ],
      ),
    );
    const words = lexiconOf(rows);
    if (words.length > 0) await this.#withClient('upsert', (c) => c.query(`INSERT INTO ${this.#tables.words} (word) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [words]));
  }

  async delete(ids: readonly string[]): Promise<void> {
    if (ids.length > SearchLimits.maxBatch) throw new SearchError(SearchErrors.INVALID_DOCUMENT, `at most ${SearchLimits.maxBatch} ids per delete`, { field: 'ids' });
    if (ids.length === 0) return;
    if (!ids.every((id) => typeof id === 'string')) throw new SearchError(SearchErrors.INVALID_DOCUMENT, 'ids must be strings', { field: 'ids' });
    await this.ready();
    await this.#withClient('delete', (c) => c.query(`DELETE FROM ${this.#tables.docs} WHERE id = ANY($1::text[])`, [ids]));
  }

  async deleteSession(session: string): Promise<void> {
    if (typeof session !== 'string' || session === '') throw new SearchError(SearchErrors.INVALID_DOCUMENT, 'session must be a non-empty string', { field: 'session' });
    await this.ready();
    await this.#withClient('delete', (c) => c.query(`DELETE FROM ${this.#tables.docs} WHERE session = $1`, [session]));
  }

  async search(query: SearchQuery): Promise<SearchHit[]> {
    const q = validateSearchQuery(query);
    await this.ready();
    const filters: string[] = [];
    const params: unknown[] = [q.text, q.limit];
    if (q.kind !== undefined) filters.push(`kind = $${params.push(q.kind)}`);
    if (q.world !== undefined) filters.push(`world = $${params.push(q.world)}`);
    if (q.session !== undefined) filters.push(`session = $${params.push(q.session)}`);
    const where = filters.map((f) => ` AND ${f}`).join('');
    return this.#withClient('search', async (c) => {
      const hits = await this.#wordPass(c, `websearch_to_tsquery('${CONFIG}', $1)`, params, where);
      // Words found: that is the answer (filling it up with near misses would dilute it).
      if (hits.length > 0) return hits;
      const corrected = await this.#corrections(c, q.text);
      if (corrected === null) return [];
      return this.#wordPass(c, `to_tsquery('${CONFIG}', $1)`, [corrected, ...params.slice(1)], where);
    });
  }

  /** Matches on the weighted tsvector; only the most recent RANK_CANDIDATES matches are ranked, so a word in every document stays cheap. */
  async #wordPass(c: pg.PoolClient, tsquery: string, params: unknown[], where: string): Promise<SearchHit[]> {
    const { rows } = await c.query<HitRow>(
      `WITH q AS (SELECT ${tsquery} AS tsq),
       matches AS (SELECT d.* FROM ${this.#tables.docs} d, q WHERE d.tsv @@ q.tsq${where} ORDER BY d.updated_at DESC LIMIT ${RANK_CANDIDATES}),
       top AS (SELECT m.*, ts_rank_cd(m.tsv, q.tsq) AS score FROM matches m, q ORDER BY score DESC, m.updated_at DESC LIMIT $2)
       SELECT top.id, top.kind, top.world, top.session, top.title, top.updated_at, top.score::float8 AS score,
         ts_headline('${CONFIG}', top.body, q.tsq, '${HEADLINE}') AS highlight
       FROM top, q ORDER BY top.score DESC, top.updated_at DESC`,
      params,
    );
    return rows.map(toHit);
  }

  /**
   * The typo pass: each word of the query replaced by the lore words most like it (pg_trgm's
   * word_similarity, its threshold set for this transaction only), as a tsquery text: `(a | b) & c`.
   * Null when a word has no neighbour.
   */
  async #corrections(c: pg.PoolClient, text: string): Promise<string | null> {
    const words = [...new Set(text.toLowerCase().match(WORD) ?? [])].slice(0, MAX_TYPO_WORDS);
    if (words.length === 0) return null;
    await c.query('BEGIN');
    try {
      await c.query(`SELECT set_config('pg_trgm.word_similarity_threshold', $1, true)`, [String(this.#typoThreshold)]);
      const { rows } = await c.query<{ q: string; word: string }>(
        `SELECT q, w.word FROM unnest($1::text[]) AS q, LATERAL (
           SELECT word FROM ${this.#tables.words} WHERE q <% word ORDER BY word_similarity(q, word) DESC, word LIMIT 3) w`,
        [words],
      );
      await c.query('COMMIT');
      const byWord = new Map<string, string[]>();
      for (const r of rows) byWord.set(r.q, [...(byWord.get(r.q) ?? []), r.word]);
      if (words.some((w) => !byWord.has(w))) return null;
      // Lexicon words are [a-z] only (lexiconOf), so they are safe as to_tsquery operands.
      return words.map((w) => `(${byWord.get(w)!.join(' | ')})`).join(' & ');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  async readCheckpoint(feed: string): Promise<string | null> {
    await this.ready();
    const { rows } = await this.#withClient('checkpoint', (c) => c.query<{ since: string }>(`SELECT since FROM ${this.#tables.checkpoints} WHERE feed = $1`, [feed]));
    return rows[0]?.since ?? null;
  }

  async writeCheckpoint(feed: string, since: string): Promise<void> {
    await this.ready();
    await this.#withClient('checkpoint', (c) =>
      c.query(`INSERT INTO ${this.#tables.checkpoints} (feed, since) VALUES ($1, $2) ON CONFLICT (feed) DO UPDATE SET since = excluded.since, updated_at = now()`, [feed, since]),
    );
  }

  /** How many documents are indexed (bench and ops). */
  async count(): Promise<number> {
    await this.ready();
    const { rows } = await this.#withClient('count', (c) => c.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.#tables.docs}`));
    return Number(rows[0]?.n ?? 0);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  async #withClient<T>(operation: string, body: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.#closed) throw new SearchError(SearchErrors.CLOSED, 'the search index is closed', { operation });
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw unavailable(operation, err);
    }
    // A checked-out client whose connection dies (PostgreSQL restarted, the network cut) emits
    // 'error' besides failing its query: without a listener that is an uncaught exception, which
    // ended the node when PostgreSQL went away under the `_changes` indexer (glass faults postgres-down).
    // The failed query still rejects, and the dead client is destroyed on release, not reused.
    let broken: unknown = undefined;
    const onError = (err: unknown): void => {
      broken = err;
    };
    client.on('error', onError);
    try {
      return await body(client);
    } catch (err) {
      if (err instanceof SearchError) throw err;
      throw unavailable(operation, err);
    } finally {
      client.off('error', onError);
      client.release(broken instanceof Error ? broken : undefined);
    }
  }
}

/** PostgreSQL's message, never the URL (pg's connection errors do not carry it; the code says what failed). */
function unavailable(operation: string, err: unknown): SearchError {
  const e = err as { code?: string; message?: string };
  return new SearchError(SearchErrors.UNAVAILABLE, `search ${operation} failed: ${e?.message ?? String(err)}`, { operation, ...(typeof e?.code === 'string' && { pgCode: e.code }) }, { cause: err });
}

function toHit(r: HitRow): SearchHit {
  return { id: r.id, kind: r.kind, world: r.world, session: r.session, title: r.title, highlight: r.highlight, score: r.score, updatedAt: Number(r.updated_at) };
}
