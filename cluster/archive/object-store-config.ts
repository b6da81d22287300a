// Which ObjectStore a node uses: MinIO/S3 when GLASS_S3_URL is set, the filesystem under `.data/objects`
// otherwise. The config is data (it crosses to workers as ModuleRef options); its keys are Secrets, so
// a config that is logged or dumped shows [redacted], and objectStoreConfig() re-wraps them on arrival.
import { GlassError, urlOption, type ObjectStore, type WorkerServiceInit } from '../../runtime/index.js';
// The leaf module, not the narrators' entry: that one loads the provider SDKs (≈ 0.9 s), which a worker
// building its archive must not pay for.
import { Secret } from '../narrators/secret.js';
import { basename, dirname, join } from 'node:path';
import { createFsObjectStore, DEFAULT_OBJECTS_DIR } from './fs-object-store.js';
import { createS3ObjectStore } from './s3-object-store.js';

export type ObjectStoreConfig =
  | { kind: 'fs'; dir: string }
  | { kind: 's3'; url: string; accessKey: Secret; secretKey: Secret; bucket: string; region: string };

export const DEFAULT_S3_BUCKET = 'glass';
/** S3 bucket names: 3–63 of lower-case letters, digits, dots and hyphens. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9-]{1,32}$/;

function invalid(message: string, details: Record<string, unknown>): GlassError {
  return new GlassError('GLASS_ERR_INVALID_OPTION', message, details);
}

/** Validates a config (also one that crossed a thread: its Secrets arrive as plain `{ value }`). */
export function objectStoreConfig(input: unknown): ObjectStoreConfig {
  const o = (input ?? {}) as Record<string, unknown>;
  if (o.kind === undefined || o.kind === 'fs') {
    const dir = o.dir ?? DEFAULT_OBJECTS_DIR;
    if (typeof dir !== 'string' || dir === '') throw invalid('objects.dir must be a non-empty path', { dir });
    return { kind: 'fs', dir };
  }
  if (o.kind !== 's3') throw invalid('objects.kind must be "fs" or "s3"', { kind: o.kind });
  const url = urlOption('GLASS_S3_URL', o.url, ['http:', 'https:'], 'an http(s) URL of the S3 endpoint', typeof o.url === 'string' ? o.url.replace(/\/\/[^@/]*@/, '//[redacted]@') : o.url);
  const accessKey = Secret.from(o.accessKey);
  const secretKey = Secret.from(o.secretKey);
  if (accessKey === undefined || secretKey === undefined) throw invalid('GLASS_S3_ACCESS_KEY and GLASS_S3_SECRET_KEY are required with GLASS_S3_URL', {});
  const bucket = o.bucket ?? DEFAULT_S3_BUCKET;
  if (typeof bucket !== 'string' || !BUCKET.test(bucket)) throw invalid('GLASS_S3_BUCKET is not a valid bucket name', { bucket });
  const region = o.region ?? 'us-east-1';
  if (typeof region !== 'string' || !REGION.test(region)) throw invalid('GLASS_S3_REGION is not a valid region', { region });
  return { kind: 's3', url: String(url), accessKey, secretKey, bucket, region };
}

/** From GLASS_S3_URL, GLASS_S3_ACCESS_KEY, GLASS_S3_SECRET_KEY, GLASS_S3_BUCKET, GLASS_S3_REGION; GLASS_OBJECTS_DIR for the filesystem. */
export function objectStoreConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ObjectStoreConfig {
  if (env.GLASS_S3_URL === undefined || env.GLASS_S3_URL === '') {
    return objectStoreConfig({ kind: 'fs', dir: env.GLASS_OBJECTS_DIR || DEFAULT_OBJECTS_DIR });
  }
  return objectStoreConfig({
    kind: 's3',
    url: env.GLASS_S3_URL,
    accessKey: env.GLASS_S3_ACCESS_KEY,
    secretKey: env.GLASS_S3_SECRET_KEY,
    bucket: env.GLASS_S3_BUCKET || undefined,
    region: env.GLASS_S3_REGION || undefined,
  });
}

/**
 * The same backend, another bucket (checkpoints, the audit export): on S3 the bucket `bucket`; on
 * the filesystem a sibling directory `<dir>-<bucket>` (`.data/objects-glass-audit`).
 */
export function objectStoreConfigForBucket(config: ObjectStoreConfig, bucket: string): ObjectStoreConfig {
  if (typeof bucket !== 'string' || !BUCKET.test(bucket)) throw invalid('a bucket name is 3–63 lower-case letters, digits, dots and hyphens', { bucket });
  if (config.kind === 's3') return objectStoreConfig({ ...config, bucket });
  return objectStoreConfig({ kind: 'fs', dir: join(dirname(config.dir), basename(config.dir) + '-' + bucket) });
}

export function createObjectStore(config: ObjectStoreConfig | Record<string, unknown>): ObjectStore {
  const c = objectStoreConfig(config);
  return c.kind === 'fs' ? createFsObjectStore({ dir: c.dir }) : createS3ObjectStore(c);
}

/** A worker's part of the `objects` service: the node's ObjectStore, built in the worker from its config. */
export function createObjectStoreService(init: WorkerServiceInit): ObjectStore {
  return createObjectStore((init.options ?? {}) as Record<string, unknown>);
}

/** What a worker loads to build its ObjectStore (options: an ObjectStoreConfig). */
export const OBJECT_STORE_SERVICE = { module: import.meta.url, export: 'createObjectStoreService' } as const;
