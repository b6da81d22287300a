import { InvalidOptionError, MAX_TIMER_MS, integerOption, objectOption, stringOption, urlOption } from '../../runtime/index.js';

/** The database of actor documents when none is named. */
export const DEFAULT_COUCH_DB = 'glass_actors';
/** Revisions a document keeps in a database the store creates: enough for fencing, too few to keep old text. */
export const DEFAULT_COUCH_REVS_LIMIT = 3;
/** Retry defaults: the first backoff delay, and how long retries may go on. */
export const DEFAULT_COUCH_RETRY = { initialDelayMs: 50, maxTotalMs: 2_000 } as const;

export interface CouchRetryOptions {
  /** First backoff delay; doubled after each failed attempt (with jitter). Default 50 ms. */
  initialDelayMs?: number;
  /** No retry starts once this much time has passed since the first attempt. Default 2,000 ms; 0 = no retry. */
  maxTotalMs?: number;
}

export interface CouchStateStoreOptions {
  /** Server URL, e.g. http://user:pass@127.0.0.1:5984 (credentials are never logged nor put in errors). */
  url: string;
  /** Database holding one document per actor. Default "glass_actors"; created on first use. */
  db?: string;
  retry?: CouchRetryOptions;
  /** Limit of each HTTP request, attempts counted apart. Default 5,000 ms. */
  requestTimeoutMs?: number;
  /** Most keys coalesced into one `_all_docs` or `_bulk_docs` request. Default 256. */
  maxBatch?: number;
  /** `_revs_limit` set on a database this store creates (revisions kept per document). Default 3. */
  revsLimit?: number;
}

export interface ResolvedCouchOptions {
  /** The URL as given (credentials included: nano turns them into an Authorization header). */
  url: string;
  /** The URL with any credentials replaced, for messages. */
  safeUrl: string;
  db: string;
  initialDelayMs: number;
  maxTotalMs: number;
  requestTimeoutMs: number;
  maxBatch: number;
  revsLimit: number;
}

// CouchDB's rule for database names.
const DB_NAME = /^[a-z][a-z0-9_$()+/-]{0,237}$/;

/** Replaces the user:password part of every URL in `text`. */
export function redactCredentials(text: string): string {
  return text.replace(/(\/\/)[^/@\s]*@/g, '$1***@');
}

/** One guard per option, at the factory; throws InvalidOptionError (GLASS_ERR_INVALID_OPTION). */
export function resolveCouchOptions(options: CouchStateStoreOptions): ResolvedCouchOptions {
  objectOption('', options);
  const url = options.url;
  const safeUrl = typeof url === 'string' ? redactCredentials(url) : url;
  const parsed = urlOption('url', url, ['http:', 'https:'], 'an http: or https: URL', safeUrl);
  if (parsed.search !== '' || parsed.hash !== '') throw new InvalidOptionError('url', 'a server URL without query or fragment', safeUrl);
  const db = stringOption('db', options.db ?? DEFAULT_COUCH_DB, DB_NAME, 'a CouchDB database name (lowercase letter first, then a-z 0-9 _$()+/-)');
  const retry = objectOption('retry', options.retry ?? {});
  return {
    url: url as string,
    safeUrl: safeUrl as string,
    db,
    initialDelayMs: integerOption('retry.initialDelayMs', retry.initialDelayMs ?? DEFAULT_COUCH_RETRY.initialDelayMs, 1, 60_000),
    maxTotalMs: integerOption('retry.maxTotalMs', retry.maxTotalMs ?? DEFAULT_COUCH_RETRY.maxTotalMs, 0, 600_000),
    requestTimeoutMs: integerOption('requestTimeoutMs', options.requestTimeoutMs ?? 5_000, 1, MAX_TIMER_MS),
    maxBatch: integerOption('maxBatch', options.maxBatch ?? 256, 1, 10_000),
    revsLimit: integerOption('revsLimit', options.revsLimit ?? DEFAULT_COUCH_REVS_LIMIT, 1, 1_000),
  };
}
