// What a checkpoint is in the ObjectStore, and the checks everything read back passes before it is
// trusted: a manifest (written last: its presence commits the checkpoint) naming chunks by key, size
// and SHA-256; chunks holding documents as `_changes` gave them, without `_rev`.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { GlassError } from '../../runtime/index.js';

export const CheckpointErrors = {
  /** A manifest or chunk that does not parse, does not match its manifest, or a gap in the chain. */
  CORRUPT: 'GLASS_ERR_CHECKPOINT_CORRUPT',
  /** Restore into a store that holds documents (or deleted ones): refused, nothing written. */
  NOT_EMPTY: 'GLASS_ERR_RESTORE_NOT_EMPTY',
  /** No checkpoint at or before the time asked for. */
  NONE: 'GLASS_ERR_CHECKPOINT_NONE',
  /** A document larger than one chunk may be. */
  TOO_LARGE: 'GLASS_ERR_CHECKPOINT_TOO_LARGE',
} as const;

export class CheckpointError extends GlassError {
  constructor(code: (typeof CheckpointErrors)[keyof typeof CheckpointErrors], message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, details, options);
    this.name = 'CheckpointError';
  }
}

export const MANIFEST_FORMAT = 'glass-checkpoint/1';
export const CHUNK_FORMAT = 'glass-checkpoint-chunk/1';
/** A chunk closes past this many bytes of documents (objects stay well below MAX_OBJECT_BYTES). */
export const CHUNK_BYTES = 8 * 1024 * 1024;
export const CHUNK_DOCS = 1_000;

const Seq = z.union([z.string().max(4_096), z.number().int().nonnegative()]);
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const ManifestSchema = z
  .object({
    format: z.literal(MANIFEST_FORMAT),
    db: z.string().min(1).max(256),
    n: z.number().int().positive(),
    at: z.number().int().nonnegative(),
    /** `_changes` was read from here (null: from the start) … */
    since: Seq.nullable(),
    /** … to here: the next checkpoint's `since`. */
    until: Seq,
    docs: z.number().int().nonnegative(),
    chunks: z.array(z.object({ key: z.string().min(1).max(1_024), docs: z.number().int().nonnegative(), bytes: z.number().int().nonnegative(), sha256: Sha256 }).strict()).max(100_000),
  })
  .strict();
export type CheckpointManifest = z.infer<typeof ManifestSchema>;

const ChunkDoc = z.union([
  z.object({ id: z.string().min(1).max(1_024), deleted: z.literal(true) }).strict(),
  z.object({ id: z.string().min(1).max(1_024), doc: z.record(z.string(), z.unknown()) }).strict(),
]);
export type ChunkEntry = z.infer<typeof ChunkDoc>;

const ChunkSchema = z.object({ format: z.literal(CHUNK_FORMAT), n: z.number().int().positive(), k: z.number().int().nonnegative(), docs: z.array(ChunkDoc) }).strict();

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Key of checkpoint `n`'s manifest / chunk `k` (zero-padded: they list in order). */
export function manifestKey(prefix: string, n: number): string {
  return `${prefix}${String(n).padStart(10, '0')}/manifest.json`;
}
export function chunkKey(prefix: string, n: number, k: number): string {
  return `${prefix}${String(n).padStart(10, '0')}/chunk-${String(k).padStart(6, '0')}.json`;
}

function parseJson(bytes: Uint8Array, key: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new CheckpointError(CheckpointErrors.CORRUPT, `${key} is not JSON`, { key }, { cause: err });
  }
}

/** A manifest as read back: parsed, checked, and its number matching its key. */
export function readManifest(bytes: Uint8Array, key: string, prefix: string): CheckpointManifest {
  const parsed = ManifestSchema.safeParse(parseJson(bytes, key));
  if (!parsed.success) throw new CheckpointError(CheckpointErrors.CORRUPT, `${key} is not a checkpoint manifest`, { key, issue: parsed.error.issues[0]?.message });
  const m = parsed.data;
  if (manifestKey(prefix, m.n) !== key) throw new CheckpointError(CheckpointErrors.CORRUPT, `${key} names checkpoint ${m.n}`, { key });
  m.chunks.forEach((c, k) => {
    if (c.key !== chunkKey(prefix, m.n, k)) throw new CheckpointError(CheckpointErrors.CORRUPT, `${key} names a chunk outside its checkpoint`, { key, chunk: c.key.slice(0, 200) });
  });
  return m;
}

/** A chunk as read back: its size and SHA-256 those of the manifest, its documents well formed. */
export function readChunk(bytes: Uint8Array, m: CheckpointManifest, k: number): ChunkEntry[] {
  const c = m.chunks[k];
  if (bytes.length !== c.bytes || sha256(bytes) !== c.sha256) throw new CheckpointError(CheckpointErrors.CORRUPT, `${c.key} does not match its manifest (size or SHA-256)`, { key: c.key });
  const parsed = ChunkSchema.safeParse(parseJson(bytes, c.key));
  if (!parsed.success || parsed.data.n !== m.n || parsed.data.k !== k || parsed.data.docs.length !== c.docs) {
    throw new CheckpointError(CheckpointErrors.CORRUPT, `${c.key} is not chunk ${k} of checkpoint ${m.n}`, { key: c.key });
  }
  for (const d of parsed.data.docs) {
    if ('doc' in d && d.doc._id !== d.id) throw new CheckpointError(CheckpointErrors.CORRUPT, `${c.key} holds a document whose _id is not its id`, { key: c.key });
  }
  return parsed.data.docs;
}

export function encodeChunk(n: number, k: number, docs: ChunkEntry[]): Uint8Array {
  return Buffer.from(JSON.stringify({ format: CHUNK_FORMAT, n, k, docs }));
}
