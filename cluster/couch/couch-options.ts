import { InvalidOptionError } from '../../runtime/index.js';

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
}

// CouchDB's rule for database names.
const DB_NAME = /^[a-z][a-z0-9_$()+/-]{0,237}$/;

/** Replaces the user:password part of every URL in `text`. */
export function redactCredentials(text: string): string {
  return text.replace(/(\/\/)[^/@\s]*@/g, '$1***@');
}

function integer(name: string, value: unknown, min: number, max: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new InvalidOptionError(name, `an integer from ${min} to ${max}`, value);
  }
  return value as number;
}

/** One guard per option, at the factory; throws InvalidOptionError (GLASS_ERR_INVALID_OPTION). */
export function resolveCouchOptions(options: CouchStateStoreOptions): ResolvedCouchOptions {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('', 'an object', options);
  const url = options.url;
  const safeUrl = typeof url === 'string' ? redactCredentials(url) : url;
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new InvalidOptionError('url', 'an http: or https: URL', safeUrl);
  }
  if (parsed.search !== '' || parsed.hash !== '') throw new InvalidOptionError('url', 'a server URL without query or fragment', safeUrl);
  const db = options.db ?? 'glass_actors';
  if (typeof db !== 'string' || !DB_NAME.test(db)) {
    throw new InvalidOptionError('db', 'a CouchDB database name (lowercase letter first, then a-z 0-9 _$()+/-)', db);
  }
  const retry = options.retry ?? {};
  if (retry === null || typeof retry !== 'object') throw new InvalidOptionError('retry', 'an object', retry);
  return {
    url: url as string,
    safeUrl: safeUrl as string,
    db,
    initialDelayMs: integer('retry.initialDelayMs', retry.initialDelayMs ?? 50, 1, 60_000),
    maxTotalMs: integer('retry.maxTotalMs', retry.maxTotalMs ?? 2_000, 0, 600_000),
    requestTimeoutMs: integer('requestTimeoutMs', options.requestTimeoutMs ?? 5_000, 1, 2 ** 31 - 1),
    maxBatch: integer('maxBatch', options.maxBatch ?? 256, 1, 10_000),
  };
}
