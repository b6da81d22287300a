// The search seam: what the node indexes (lore and transcripts) and how it is asked. Worker-safe and
// free of I/O: the implementations (PostgreSQL, Meilisearch) live in cluster/search/, and one contract
// suite (spec/contract/search-index.contract.ts) runs against each.
import { GlassError } from './errors.js';

export const SEARCH_KINDS = ['lore', 'transcript'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

/** Bounds on everything a caller (a player's frame, a file being imported) can grow. */
export const SearchLimits = {
  maxIdLength: 512,
  maxTitleLength: 300,
  maxBodyLength: 64 * 1024,
  maxTags: 32,
  maxTagLength: 64,
  maxNameLength: 200,
  maxQueryLength: 200,
  maxResults: 50,
  defaultResults: 10,
  /** Documents one upsert or delete call takes at most. */
  maxBatch: 1_000,
} as const;

export const SearchErrors = {
  /** A document to index is malformed or past a bound. */
  INVALID_DOCUMENT: 'GLASS_ERR_SEARCH_INVALID_DOCUMENT',
  /** A query is empty, too long, or its limit or filters are malformed. */
  INVALID_QUERY: 'GLASS_ERR_SEARCH_INVALID_QUERY',
  /** The backend did not answer, or answered with an error. */
  UNAVAILABLE: 'GLASS_ERR_SEARCH_UNAVAILABLE',
  /** The index was closed. */
  CLOSED: 'GLASS_ERR_SEARCH_CLOSED',
} as const;

export type SearchErrorCode = (typeof SearchErrors)[keyof typeof SearchErrors];

export class SearchError extends GlassError {
  constructor(code: SearchErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, details, options);
    this.name = 'SearchError';
  }
}

/** One indexed thing: a lore entry, or one turn of a session / one line of a room. */
export interface SearchDocument {
  /** Stable: `lore:<world>:<slug>`, `session:<id>#<turn>`, `room:<id>#<seq>`. Upserting it again replaces it. */
  id: string;
  kind: SearchKind;
  /** The world a lore entry belongs to; null for transcripts of worldless sessions and rooms. */
  world: string | null;
  /** The actor the transcript line belongs to (`session:<id>` or `room:<id>`); null for lore. */
  session: string | null;
  title: string;
  body: string;
  tags: string[];
  /** Milliseconds since the epoch. */
  updatedAt: number;
}

export interface SearchQuery {
  text: string;
  /** Only this kind; absent: both (the gateway sets `lore` for players). */
  kind?: SearchKind;
  world?: string;
  session?: string;
  /** 1..SearchLimits.maxResults; default SearchLimits.defaultResults. */
  limit?: number;
}

export interface SearchHit {
  id: string;
  kind: SearchKind;
  world: string | null;
  session: string | null;
  title: string;
  /** A short excerpt of the body with the matched words between `[[` and `]]`. */
  highlight: string;
  /** Higher is better; comparable within one answer only. */
  score: number;
  updatedAt: number;
}

export interface SearchIndex {
  /** Inserts or replaces documents (at most SearchLimits.maxBatch). Validates every one first: one bad document refuses the call. */
  upsert(docs: readonly SearchDocument[]): Promise<void>;
  /** Removes documents by id; ids not indexed are ignored. */
  delete(ids: readonly string[]): Promise<void>;
  /** Removes every document of one session or room (`session:<id>`, `room:<id>`): the actor's document was deleted. */
  deleteSession(session: string): Promise<void>;
  search(query: SearchQuery): Promise<SearchHit[]>;
  /**
   * The feed position the indexer reached, kept beside the documents: an index that is wiped loses
   * its checkpoint with it, and the indexer then starts over from the beginning, which is right.
   */
  readCheckpoint(feed: string): Promise<string | null>;
  writeCheckpoint(feed: string, since: string): Promise<void>;
  /** Which backend answers (`postgres`, `pglite`, `meilisearch`): for logs, /metrics and the bench. */
  readonly backend: string;
  close(): Promise<void>;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:#/-]*$/;

function invalid(code: SearchErrorCode, message: string, field: string): SearchError {
  return new SearchError(code, message, { field });
}

function boundedString(value: unknown, max: number, field: string, code: SearchErrorCode): string {
  if (typeof value !== 'string') throw invalid(code, `${field} must be a string`, field);
  if (value.length > max) throw invalid(code, `${field} is longer than ${max} characters`, field);
  return value;
}

function optionalName(value: unknown, field: string, code: SearchErrorCode): string | null {
  if (value === null || value === undefined) return null;
  const s = boundedString(value, SearchLimits.maxNameLength, field, code);
  if (!NAME.test(s)) throw invalid(code, `${field} has characters a name may not have`, field);
  return s;
}

/** A copy of `doc` checked against the bounds, or a SearchError (GLASS_ERR_SEARCH_INVALID_DOCUMENT). */
export function validateSearchDocument(doc: unknown): SearchDocument {
  const code = SearchErrors.INVALID_DOCUMENT;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw invalid(code, 'a search document must be an object', 'document');
  const d = doc as Record<string, unknown>;
  const id = boundedString(d.id, SearchLimits.maxIdLength, 'id', code);
  if (id === '' || !NAME.test(id)) throw invalid(code, 'id must be a non-empty name', 'id');
  if (!SEARCH_KINDS.includes(d.kind as SearchKind)) throw invalid(code, `kind must be one of ${SEARCH_KINDS.join(', ')}`, 'kind');
  if (!Array.isArray(d.tags) || d.tags.length > SearchLimits.maxTags) throw invalid(code, `tags must be an array of at most ${SearchLimits.maxTags}`, 'tags');
  const tags = d.tags.map((t) => boundedString(t, SearchLimits.maxTagLength, 'tags', code));
  if (typeof d.updatedAt !== 'number' || !Number.isSafeInteger(d.updatedAt) || d.updatedAt < 0) throw invalid(code, 'updatedAt must be a non-negative integer (ms)', 'updatedAt');
  return {
    id,
    kind: d.kind as SearchKind,
    world: optionalName(d.world, 'world', code),
    session: optionalName(d.session, 'session', code),
    title: wellFormed(boundedString(d.title, SearchLimits.maxTitleLength, 'title', code)),
    body: wellFormed(boundedString(d.body, SearchLimits.maxBodyLength, 'body', code)),
    tags: tags.map(wellFormed),
    updatedAt: d.updatedAt,
  };
}

/** The query with its defaults, checked, or a SearchError (GLASS_ERR_SEARCH_INVALID_QUERY). */
export function validateSearchQuery(query: unknown): Required<Pick<SearchQuery, 'text' | 'limit'>> & Omit<SearchQuery, 'text' | 'limit'> {
  const code = SearchErrors.INVALID_QUERY;
  if (query === null || typeof query !== 'object') throw invalid(code, 'a query must be an object', 'query');
  const q = query as Record<string, unknown>;
  const text = wellFormed(boundedString(q.text, SearchLimits.maxQueryLength, 'text', code)).trim();
  if (text === '') throw invalid(code, 'the query text is empty', 'text');
  const limit = q.limit ?? SearchLimits.defaultResults;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > SearchLimits.maxResults) throw invalid(code, `limit must be an integer from 1 to ${SearchLimits.maxResults}`, 'limit');
  if (q.kind !== undefined && !SEARCH_KINDS.includes(q.kind as SearchKind)) throw invalid(code, `kind must be one of ${SEARCH_KINDS.join(', ')}`, 'kind');
  const world = optionalName(q.world, 'world', code);
  const session = optionalName(q.session, 'session', code);
  return {
    text,
    limit,
    ...(q.kind !== undefined && { kind: q.kind as SearchKind }),
    ...(world !== null && { world }),
    ...(session !== null && { session }),
  };
}

/** Lone surrogates and NUL would make PostgreSQL refuse the text (and Meilisearch's JSON parser the surrogates). */
function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD').replaceAll('\u0000', '');
}
