// The ObjectStore seam: keyed, versioned blobs (the archive of aged-out turns and lines, state
// checkpoints, the audit export). Worker-safe and without I/O: implementations live in
// cluster/archive/ (a filesystem store for the embedded node, MinIO/S3 by configuration), and one
// contract suite (spec/contract/object-store.contract.ts) runs against each of them.
import { GlassError } from './errors.js';

/** The node service that is the node's ObjectStore: `ctx.service(OBJECTS_SERVICE)`. */
export const OBJECTS_SERVICE = 'objects';

export const ObjectStoreErrors = {
  /** A key that is empty, too long, absolute, has an empty/`.`/`..` segment, or a control character. */
  INVALID_KEY: 'GLASS_ERR_OBJECT_KEY',
  /** An object larger than the store accepts (on put) or than the reader allows (on get). */
  TOO_LARGE: 'GLASS_ERR_OBJECT_TOO_LARGE',
  /** The backend failed (unreachable, refused, a broken file): nothing was written or read. */
  FAILED: 'GLASS_ERR_OBJECT_STORE',
} as const;

/** S3's own limit on a key's UTF-8 length. */
export const MAX_OBJECT_KEY_BYTES = 1024;
/** One key segment (between slashes): below the 255-byte file-name limit of the filesystem store. */
export const MAX_OBJECT_SEGMENT_BYTES = 200;
/** What one put may write and one get returns by default: 32 MiB, below minio's multipart part size. */
export const MAX_OBJECT_BYTES = 32 * 1024 * 1024;
/** The largest page `list` and `versions` return. */
export const MAX_LIST_PAGE = 1000;

export interface ObjectInfo {
  key: string;
  size: number;
  /** Epoch milliseconds of the write. */
  lastModified: number;
  /** The version this is; null when the backend keeps no versions. */
  versionId: string | null;
}

export interface ObjectVersion extends ObjectInfo {
  /** The newest version of the key (what `get` without a version returns unless it is a delete marker). */
  isLatest: boolean;
  /** A delete left this marker: the key reads as absent, older versions stay readable. */
  deleteMarker: boolean;
}

export interface ListOptions {
  /** Only keys after this one (exclusive): the `next` of the previous page. */
  after?: string;
  /** At most this many (1…MAX_LIST_PAGE, default MAX_LIST_PAGE). */
  limit?: number;
}

export interface ListPage<T> {
  /** In ascending key order (UTF-8 byte order, as S3 lists). */
  items: T[];
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null;
}

export interface GetOptions {
  /** Read this version instead of the newest. */
  versionId?: string;
  /** Refuse (GLASS_ERR_OBJECT_TOO_LARGE) an object larger than this; default MAX_OBJECT_BYTES. */
  maxBytes?: number;
}

/**
 * A bucket of blobs. Absent keys and versions read as `undefined` (expected, not an error);
 * a bad key throws GLASS_ERR_OBJECT_KEY before any I/O, a failing backend GLASS_ERR_OBJECT_STORE.
 * A put replaces the current object atomically (readers see the old or the new bytes, never a
 * part) and, on a versioned store, keeps the old one as a version; delete leaves a marker.
 */
export interface ObjectStore {
  /** Whether old versions are kept (then `versions` lists them and `get` reads them by id). */
  readonly versioned: boolean;
  put(key: string, body: Uint8Array | string): Promise<{ versionId: string | null }>;
  get(key: string, options?: GetOptions): Promise<Uint8Array | undefined>;
  stat(key: string, options?: { versionId?: string }): Promise<ObjectInfo | undefined>;
  /** The current (not deleted) objects whose keys start with `prefix`, one page at a time. */
  list(prefix: string, options?: ListOptions): Promise<ListPage<ObjectInfo>>;
  /**
   * Without a version: the key reads as absent (a versioned store leaves a delete marker, older
   * versions stay). With `versionId`: that one version is removed for good (how a redaction erases
   * old copies); if it was the newest, the key reads as the next newest again, as on S3.
   */
  delete(key: string, options?: { versionId?: string }): Promise<void>;
  /** Every version of exactly `key` (delete markers included), newest first, at most `limit` (default MAX_LIST_PAGE). */
  versions(key: string, options?: { limit?: number }): Promise<ObjectVersion[]>;
  close(): Promise<void>;
}

export class ObjectKeyError extends GlassError {
  constructor(key: string, reason: string) {
    super(ObjectStoreErrors.INVALID_KEY, `object key refused: ${reason}`, { key: key.slice(0, 120), reason });
    this.name = 'ObjectKeyError';
  }
}

export class ObjectTooLargeError extends GlassError {
  constructor(key: string, size: number, limit: number) {
    super(ObjectStoreErrors.TOO_LARGE, `object ${key} is ${size} bytes, more than ${limit}`, { key, size, limit });
    this.name = 'ObjectTooLargeError';
  }
}

export class ObjectStoreError extends GlassError {
  constructor(operation: string, key: string, options?: { cause?: unknown }) {
    super(ObjectStoreErrors.FAILED, `object store failed to ${operation} ${key}`, { operation, key }, options);
    this.name = 'ObjectStoreError';
  }
}

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Throws ObjectKeyError unless `key` is safe on every backend (and as a relative file path). */
export function checkObjectKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) throw new ObjectKeyError(String(key), 'empty');
  if (Buffer.byteLength(key) > MAX_OBJECT_KEY_BYTES) throw new ObjectKeyError(key, `longer than ${MAX_OBJECT_KEY_BYTES} bytes`);
  if (CONTROL.test(key)) throw new ObjectKeyError(key, 'control character (NUL included)');
  if (key.startsWith('/') || key.includes('\\')) throw new ObjectKeyError(key, 'absolute path or backslash');
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') throw new ObjectKeyError(key, 'empty, "." or ".." segment');
    if (Buffer.byteLength(segment) > MAX_OBJECT_SEGMENT_BYTES) throw new ObjectKeyError(key, `segment longer than ${MAX_OBJECT_SEGMENT_BYTES} bytes`);
  }
  return key;
}

/** A prefix may be empty or end with `/`; otherwise it must be a valid key start. */
export function checkObjectPrefix(prefix: unknown): string {
  if (prefix === '') return '';
  if (typeof prefix !== 'string') throw new ObjectKeyError(String(prefix), 'prefix is not a string');
  checkObjectKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  return prefix;
}

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return MAX_LIST_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_PAGE) {
    throw new GlassError('GLASS_ERR_INVALID_OPTION', `limit must be an integer in 1…${MAX_LIST_PAGE}`, { limit });
  }
  return limit;
}

/** Compare keys as S3 orders them: by UTF-8 bytes (JS string order differs above the BMP). */
export function compareObjectKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
