// The ObjectStore on MinIO (or any S3) through the `minio` client. Tested against moto_server.
// Objects are always sent as one Buffer of known size, below the client's part size, so the client
// never goes multipart (moto's multipart completion breaks minio-js; MinIO itself would be fine).
// Credentials are Secrets: they never reach a log, an error message or a JSON dump. `minio` is
// loaded at first use (≈ 0.3–0.9 s here): a worker on the filesystem archive never loads it.
import type { Client, ClientOptions } from 'minio';
import type { Readable } from 'node:stream';
import {
  MAX_OBJECT_BYTES,
  ObjectStoreError,
  ObjectTooLargeError,
  checkObjectKey,
  checkObjectPrefix,
  pageLimit,
  type GetOptions,
  type ListOptions,
  type ListPage,
  type ObjectInfo,
  type ObjectStore,
  type ObjectVersion,
} from '../../runtime/index.js';
// The leaf module, not the narrators' entry: that one loads the provider SDKs (≈ 0.9 s), which a worker
// building its archive must not pay for.
import { Secret } from '../narrators/secret.js';

export interface S3ObjectStoreOptions {
  /** `http(s)://host:port` of the S3 endpoint (GLASS_S3_URL). */
  url: string;
  accessKey: Secret | string;
  secretKey: Secret | string;
  bucket: string;
  /** Default us-east-1. */
  region?: string;
  /** Turn versioning on for the bucket when opening it (default true: the archive and exports rely on it). */
  versioned?: boolean;
}

/** 64 MiB: objects are at most MAX_OBJECT_BYTES (32 MiB), so a put is always a single request. */
const PART_SIZE = 64 * 1024 * 1024;
const MISSING = new Set(['NoSuchKey', 'NotFound', 'NoSuchVersion', 'MethodNotAllowed', 'InvalidArgument']);

function isMissing(err: unknown): boolean {
  return MISSING.has((err as { code?: string } | null)?.code ?? '');
}

export class S3ObjectStore implements ObjectStore {
  readonly versioned: boolean;
  readonly #options: ClientOptions;
  #client!: Client;
  readonly #bucket: string;
  readonly #region: string;
  #ready: Promise<void> | undefined;

  constructor(options: S3ObjectStoreOptions) {
    const url = new URL(options.url);
    const accessKey = Secret.from(options.accessKey);
    const secretKey = Secret.from(options.secretKey);
    if (accessKey === undefined || secretKey === undefined) throw new ObjectStoreError('open', options.bucket + ' (missing credentials)');
    this.#bucket = options.bucket;
    this.#region = options.region ?? 'us-east-1';
    this.versioned = options.versioned ?? true;
    this.#options = {
      endPoint: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      useSSL: url.protocol === 'https:',
      accessKey: accessKey.reveal(),
      secretKey: secretKey.reveal(),
      region: this.#region,
      pathStyle: true,
      partSize: PART_SIZE,
    };
  }

  async put(key: string, body: Uint8Array | string): Promise<{ versionId: string | null }> {
    checkObjectKey(key);
    const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    if (bytes.byteLength > MAX_OBJECT_BYTES) throw new ObjectTooLargeError(key, bytes.byteLength, MAX_OBJECT_BYTES);
    await this.#open();
    try {
      const out = await this.#client.putObject(this.#bucket, key, bytes, bytes.byteLength, { 'Content-Type': 'application/octet-stream' });
      return { versionId: out.versionId ?? null };
    } catch (err) {
      throw new ObjectStoreError('put', key, { cause: err });
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<Uint8Array | undefined> {
    checkObjectKey(key);
    const limit = options.maxBytes ?? MAX_OBJECT_BYTES;
    await this.#open();
    let stream: Readable;
    try {
      stream = await this.#client.getObject(this.#bucket, key, options.versionId === undefined ? {} : { versionId: options.versionId });
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw new ObjectStoreError('get', key, { cause: err });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of stream) {
        size += (chunk as Buffer).byteLength;
        if (size > limit) {
          stream.destroy();
          throw new ObjectTooLargeError(key, size, limit);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      if (err instanceof ObjectTooLargeError) throw err;
      throw new ObjectStoreError('get', key, { cause: err });
    }
    const all = Buffer.concat(chunks);
    return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
  }

  async stat(key: string, options: { versionId?: string } = {}): Promise<ObjectInfo | undefined> {
    checkObjectKey(key);
    await this.#open();
    try {
      const s = await this.#client.statObject(this.#bucket, key, options.versionId === undefined ? {} : { versionId: options.versionId });
      return { key, size: s.size, lastModified: s.lastModified.getTime(), versionId: s.versionId ?? null };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw new ObjectStoreError('stat', key, { cause: err });
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage<ObjectInfo>> {
    checkObjectPrefix(prefix);
    const limit = pageLimit(options.limit);
    await this.#open();
    try {
      const res = await this.#client.listObjectsV2Query(this.#bucket, prefix, '', '', limit, options.after ?? '');
      const items: ObjectInfo[] = res.objects
        .filter((o) => typeof o.name === 'string')
        .map((o) => ({ key: o.name!, size: o.size, lastModified: o.lastModified?.getTime() ?? 0, versionId: null }));
      return { items, next: res.isTruncated && items.length > 0 ? items[items.length - 1]!.key : null };
    } catch (err) {
      throw new ObjectStoreError('list', prefix, { cause: err });
    }
  }

  async delete(key: string, options: { versionId?: string } = {}): Promise<void> {
    checkObjectKey(key);
    await this.#open();
    try {
      await this.#client.removeObject(this.#bucket, key, options.versionId === undefined ? {} : { versionId: options.versionId });
    } catch (err) {
      if (!isMissing(err)) throw new ObjectStoreError('delete', key, { cause: err });
    }
  }

  async versions(key: string, options: { limit?: number } = {}): Promise<ObjectVersion[]> {
    checkObjectKey(key);
    const limit = pageLimit(options.limit);
    await this.#open();
    const data: ObjectVersion[] = [];
    const markers: ObjectVersion[] = [];
    try {
      let keyMarker = '';
      let versionIdMarker = '';
      // Listed by prefix = key: keys that merely start with `key` come along and are skipped.
      for (let page = 0; page < MAX_VERSION_PAGES; page++) {
        const res = await this.#client.listObjectsQuery(this.#bucket, key, '', { Delimiter: '', IncludeVersion: true, MaxKeys: MAX_PAGE_QUERY, keyMarker, versionIdMarker });
        for (const o of res.objects as Array<Record<string, unknown>>) {
          if (o.name !== key) continue;
          const v: ObjectVersion = {
            key,
            size: typeof o.size === 'number' ? o.size : 0,
            lastModified: o.lastModified instanceof Date ? o.lastModified.getTime() : 0,
            versionId: typeof o.versionId === 'string' ? o.versionId : null,
            isLatest: o.isLatest === true || o.isLatest === 'true',
            deleteMarker: o.isDeleteMarker === true,
          };
          (v.deleteMarker ? markers : data).push(v);
        }
        const names = (res.objects as Array<{ name?: string }>).map((o) => o.name);
        if (!res.isTruncated || !names.includes(key) || (res.keyMarker ?? '') === '') break;
        if (res.keyMarker !== key) break;
        keyMarker = res.keyMarker ?? '';
        versionIdMarker = res.versionIdMarker ?? '';
      }
    } catch (err) {
      throw new ObjectStoreError('list versions of', key, { cause: err });
    }
    return mergeNewestFirst(data, markers).slice(0, limit);
  }

  async close(): Promise<void> {
    // The client keeps no connections of its own beyond Node's agent.
  }

  /** Creates the bucket (and turns versioning on) once per store, on first use. */
  #open(): Promise<void> {
    this.#ready ??= (async () => {
      try {
        const { Client } = await import('minio');
        this.#client = new Client(this.#options);
        if (!(await this.#client.bucketExists(this.#bucket))) {
          await this.#client.makeBucket(this.#bucket, this.#region).catch(async (err: unknown) => {
            // Another worker made it first.
            if (!(await this.#client.bucketExists(this.#bucket))) throw err;
          });
        }
        if (this.versioned) await this.#client.setBucketVersioning(this.#bucket, { Status: 'Enabled' });
      } catch (err) {
        this.#ready = undefined;
        throw new ObjectStoreError('open bucket', this.#bucket, { cause: err });
      }
    })();
    return this.#ready;
  }
}

const MAX_PAGE_QUERY = 1000;
const MAX_VERSION_PAGES = 10;

/**
 * minio-js hands back a page's versions and its delete markers as two lists (each newest first as S3
 * sent them), losing their interleaving: merged again by time, the latest first. S3 times have
 * second resolution, so a version and a marker written in the same second keep list order.
 */
function mergeNewestFirst(data: ObjectVersion[], markers: ObjectVersion[]): ObjectVersion[] {
  const out: ObjectVersion[] = [];
  let i = 0;
  let j = 0;
  while (i < data.length || j < markers.length) {
    const a = data[i];
    const b = markers[j];
    const takeMarker = a === undefined || (b !== undefined && (b.isLatest || (!a.isLatest && b.lastModified > a.lastModified)));
    if (takeMarker) out.push(markers[j++]!);
    else out.push(data[i++]!);
  }
  return out;
}

export function createS3ObjectStore(options: S3ObjectStoreOptions): S3ObjectStore {
  return new S3ObjectStore(options);
}
