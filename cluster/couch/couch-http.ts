import nano from 'nano';
import { backoffDelayMs, type BackoffPolicy } from '../../supervisors/index.js';
import { redactCredentials, type ResolvedCouchOptions } from './couch-options.js';

/** One row of `POST _all_docs?include_docs=true`: a document, a deleted one, or a missing key. */
export interface AllDocsRow {
  key: string;
  error?: string;
  value?: { rev: string; deleted?: boolean };
  doc?: Record<string, unknown> | null;
}

/** One per-document result of `POST _bulk_docs`. */
export interface BulkResult {
  id: string;
  ok?: boolean;
  rev?: string;
  error?: string;
  reason?: string;
}

/** A failed request, rebuilt from nano's error with nothing in it that could carry credentials. */
export class CouchRequestError extends Error {
  readonly statusCode: number | undefined;
  readonly error: string | undefined;
  readonly reason: string;

  constructor(what: string, statusCode: number | undefined, error: string | undefined, reason: string) {
    super(redactCredentials(`${what}: ${statusCode === undefined ? '' : `HTTP ${statusCode} `}${error ?? ''}${reason === '' ? '' : ` (${reason})`}`));
    this.name = 'CouchRequestError';
    this.statusCode = statusCode;
    this.error = error;
    this.reason = redactCredentials(reason);
  }

  /** No status: the connection failed or timed out. 408/429/5xx: the server asks to come back later. */
  get retryable(): boolean {
    const s = this.statusCode;
    return s === undefined || s === 408 || s === 429 || s >= 500;
  }
}

/** nano's request options plus what its typings omit (nano passes `signal` on to fetch). */
interface Request extends nano.RequestOptions {
  signal?: AbortSignal;
  dontStringify?: boolean;
}

interface Call {
  /** Names the request in errors. */
  what: string;
  request: Request;
  /** Whether a 2xx body has the expected shape. */
  accept(body: unknown): boolean;
  /** Set when an attempt failed and another was made. */
  trace?: { retried: boolean };
  /** GET of a document: its 404 means "no such document", not "no database". */
  docMayBeMissing?: boolean;
}

/**
 * The HTTP side of the CouchDB store: every request goes through `#send`, which bounds it with a
 * timeout, retries transient failures with exponential backoff and jitter, and creates the
 * database when a request finds it missing.
 */
export class CouchHttp {
  readonly #server: nano.ServerScope;
  readonly #options: ResolvedCouchOptions;
  readonly #retry: BackoffPolicy;

  constructor(options: ResolvedCouchOptions) {
    this.#options = options;
    // "Equal jitter": half the delay fixed, half random (initialDelayMs/2 × 2^attempt, up to twice
    // that), so that stores that failed together (every worker of a node when the server restarts)
    // do not come back together. No ceiling: maxTotalMs ends the retries.
    this.#retry = { minMs: options.initialDelayMs / 2, maxMs: Number.POSITIVE_INFINITY, randomFactor: 1 };
    // parseUrl: false, or nano takes a path in the URL for a database name.
    this.#server = nano({ url: options.url, parseUrl: false } as nano.Configuration);
  }

  /**
   * One document, or null if there is none (never saved, or deleted). For a lone key this is
   * cheaper than `_all_docs` (about 1.5 ms less per request on the embedded server).
   */
  async getDoc(id: string): Promise<Record<string, unknown> | null> {
    return this.#send({ what: 'GET document', request: { doc: id, method: 'GET' }, accept: isObject, docMayBeMissing: true });
  }

  /** The rows, in the order of `keys`. */
  async allDocs(keys: readonly string[]): Promise<AllDocsRow[]> {
    const request = { path: '_all_docs', method: 'POST', qs: { include_docs: true }, body: { keys } };
    const body = await this.#send<{ rows: AllDocsRow[] }>({ what: '_all_docs', request, accept: (b) => isObject(b) && Array.isArray(b.rows) });
    return body.rows;
  }

  /**
   * `body` is the JSON of `{ docs }`, built by the caller. `retried` tells that an earlier attempt
   * failed in a way that may have left it applied (a timeout, a reset, a 5xx): a conflict then may
   * be this very write, landed the first time.
   */
  async bulkDocs(body: string): Promise<{ results: BulkResult[]; retried: boolean }> {
    const trace = { retried: false };
    const request = { path: '_bulk_docs', method: 'POST', body, dontStringify: true };
    const results = await this.#send<BulkResult[]>({ what: '_bulk_docs', request, accept: Array.isArray, trace });
    return { results, retried: trace.retried };
  }

  async #send<T>(call: Call): Promise<T> {
    const { maxTotalMs, requestTimeoutMs, db } = this.#options;
    const started = performance.now();
    let createdDb = false;
    for (let attempt = 0; ; ) {
      let err: CouchRequestError;
      try {
        const body: unknown = await this.#server.request({ ...call.request, db, signal: AbortSignal.timeout(requestTimeoutMs) } as Request);
        // nano resolves '' when a 2xx body cannot be read (cut by the timeout, say): a failure too.
        if (call.accept(body)) return body as T;
        err = new CouchRequestError(`${call.what} on ${db}`, undefined, 'bad_response', 'the response body is not what CouchDB sends');
      } catch (raw) {
        err = toRequestError(`${call.what} on ${db}`, raw);
      }
      // A document's own 404 says "missing" or "deleted"; any other 404 is a missing database:
      // create it once, then redo.
      if (err.statusCode === 404 && call.docMayBeMissing === true && (err.reason === 'missing' || err.reason === 'deleted')) return null as T;
      if (err.statusCode === 404 && !createdDb) {
        createdDb = true;
        const failed = await this.#createDb();
        if (failed === undefined) continue;
        err = failed;
      }
      if (!err.retryable) throw err;
      const delay = backoffDelayMs(this.#retry, attempt++);
      if (performance.now() - started + delay > maxTotalMs) throw err;
      if (call.trace !== undefined) call.trace.retried = true;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** Creates the database; undefined when done or when it already exists (412: another worker's store created it). */
  async #createDb(): Promise<CouchRequestError | undefined> {
    try {
      await this.#server.request({ db: this.#options.db, method: 'PUT', signal: AbortSignal.timeout(this.#options.requestTimeoutMs) } as Request);
      await this.#limitRevisions();
      return undefined;
    } catch (raw) {
      const err = toRequestError(`create ${this.#options.db}`, raw);
      return err.statusCode === 412 ? undefined : err;
    }
  }

  /**
   * A database this store created keeps `revsLimit` revisions per document (CouchDB's
   * `_revs_limit`; its compaction daemon then drops the older bodies). Best effort: a server
   * without the endpoint (the embedded one sets its limit itself) or a refusal changes nothing.
   */
  async #limitRevisions(): Promise<void> {
    try {
      const { db, revsLimit, requestTimeoutMs } = this.#options;
      await this.#server.request({ db, path: '_revs_limit', method: 'PUT', body: String(revsLimit), dontStringify: true, signal: AbortSignal.timeout(requestTimeoutMs) } as Request);
    } catch {
      // See above.
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function toRequestError(what: string, raw: unknown): CouchRequestError {
  const e = (raw ?? {}) as { statusCode?: unknown; error?: unknown; reason?: unknown; message?: unknown };
  const statusCode = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const error = typeof e.error === 'string' ? e.error : undefined;
  const reason = typeof e.reason === 'string' ? e.reason : typeof e.message === 'string' ? e.message : String(raw);
  return new CouchRequestError(what, statusCode, error, reason);
}
