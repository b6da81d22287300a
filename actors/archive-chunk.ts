// The archive's chunks: what a room's aged-out lines or a session's aged-out turns look like in the
// object store, their keys, and the validation every chunk read back goes through. Worker-safe,
// no I/O of its own: reads and writes go through the ObjectStore a caller hands in.
import { GlassError, type ObjectStore } from '../runtime/index.js';
import { ArchiveErrors } from './actor-errors.js';

export type ArchiveKind = 'room' | 'session';

/** What the archive keeps of an entry: its order key `seq`, its text, whether a moderator redacted it. */
export interface ArchiveItem {
  seq?: number;
  text: string;
  redacted?: true;
  /** Session turns: the turn number a `redact` names. */
  turn?: number;
}

export interface ArchiveChunk<T extends ArchiveItem = ArchiveItem> {
  v: 1;
  kind: ArchiveKind;
  id: string;
  /** Seq of the first and last item: also in the key, so a chunk written again lands on itself. */
  first: number;
  last: number;
  items: T[];
}

/** A chunk holds at most this many items (the spill writes 50 lines or 100 turns at once). */
export const MAX_CHUNK_ITEMS = 1_000;
/** A chunk read back larger than this is refused before parsing. */
export const MAX_CHUNK_BYTES = 8 * 1024 * 1024;
const SEQ_DIGITS = 12;
const CHUNK_NAME = /^(\d{12})-(\d{12})\.json$/;

export function archivePrefix(kind: ArchiveKind, id: string): string {
  return `archive/${kind}/${encodeURIComponent(id)}/`;
}

/** `archive/<kind>/<id>/<first>-<last>.json`, zero-padded so that key order is seq order. */
export function chunkKey(kind: ArchiveKind, id: string, first: number, last: number): string {
  return `${archivePrefix(kind, id)}${String(first).padStart(SEQ_DIGITS, '0')}-${String(last).padStart(SEQ_DIGITS, '0')}.json`;
}

/** The seq range a chunk key names; undefined for a key that is not a chunk's. */
export function chunkRange(key: string, prefix: string): { first: number; last: number } | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const m = CHUNK_NAME.exec(key.slice(prefix.length));
  if (m === null) return undefined;
  const first = Number(m[1]);
  const last = Number(m[2]);
  return first <= last ? { first, last } : undefined;
}

export class ArchiveCorruptError extends GlassError {
  constructor(key: string, reason: string) {
    super(ArchiveErrors.CORRUPT, `archived chunk ${key} is not usable: ${reason}`, { key, reason });
    this.name = 'ArchiveCorruptError';
  }
}

export function archiveUnavailable(operation: string, cause?: unknown): GlassError {
  return new GlassError(ArchiveErrors.UNAVAILABLE, `the archive could not ${operation}`, { operation }, cause === undefined ? undefined : { cause });
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Checks one item as the archive writes it; the fields it does not know pass as they are. */
function checkItem(kind: ArchiveKind, item: unknown): string | undefined {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return 'an item is not an object';
  const o = item as Record<string, unknown>;
  if (typeof o.text !== 'string') return 'an item has no text';
  if (typeof o.at !== 'number' || !Number.isFinite(o.at)) return 'an item has no time';
  if (o.redacted !== undefined && o.redacted !== true) return 'an item has a bad redacted flag';
  if (kind === 'room') {
    if (!isInt(o.seq) || typeof o.from !== 'string') return 'a line has no seq or speaker';
  } else if (!isInt(o.turn) || typeof o.player !== 'string' || (o.seq !== undefined && !isInt(o.seq))) return 'a turn has no number or player';
  return undefined;
}

/** Parses and validates chunk bytes read from `key`; throws ArchiveCorruptError, never anything else. */
export function parseChunk<T extends ArchiveItem>(bytes: Uint8Array, key: string, kind: ArchiveKind, id: string): ArchiveChunk<T> {
  if (bytes.byteLength > MAX_CHUNK_BYTES) throw new ArchiveCorruptError(key, 'too large');
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ArchiveCorruptError(key, 'not UTF-8 JSON');
  }
  const c = value as Partial<ArchiveChunk> | null;
  if (c === null || typeof c !== 'object' || c.v !== 1) throw new ArchiveCorruptError(key, 'not a version-1 chunk');
  if (c.kind !== kind || c.id !== id) throw new ArchiveCorruptError(key, 'belongs to another room or session');
  if (!isInt(c.first) || !isInt(c.last) || c.first > c.last) throw new ArchiveCorruptError(key, 'bad range');
  if (!Array.isArray(c.items) || c.items.length === 0 || c.items.length > MAX_CHUNK_ITEMS) throw new ArchiveCorruptError(key, 'bad item list');
  let previous = -1;
  for (const item of c.items) {
    const bad = checkItem(kind, item);
    if (bad !== undefined) throw new ArchiveCorruptError(key, bad);
    const seq = (item as ArchiveItem).seq ?? 0;
    if (seq < previous || seq < c.first || seq > c.last) throw new ArchiveCorruptError(key, 'items out of order or out of range');
    previous = seq;
  }
  return c as ArchiveChunk<T>;
}

export function encodeChunk(chunk: ArchiveChunk): string {
  return JSON.stringify(chunk);
}

/** Reads and validates one chunk; undefined when it is not there. */
export async function readChunk<T extends ArchiveItem>(store: ObjectStore, key: string, kind: ArchiveKind, id: string): Promise<ArchiveChunk<T> | undefined> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await store.get(key, { maxBytes: MAX_CHUNK_BYTES });
  } catch (err) {
    if ((err as { code?: string }).code === 'GLASS_ERR_OBJECT_TOO_LARGE') throw new ArchiveCorruptError(key, 'too large');
    throw archiveUnavailable('read ' + key, err);
  }
  return bytes === undefined ? undefined : parseChunk<T>(bytes, key, kind, id);
}

/** Writes a chunk, then removes its older versions: a chunk rewritten for a redaction keeps no old copy. */
export async function writeChunk(store: ObjectStore, chunk: ArchiveChunk, eraseOlder: boolean): Promise<string> {
  const key = chunkKey(chunk.kind, chunk.id, chunk.first, chunk.last);
  try {
    const { versionId } = await store.put(key, encodeChunk(chunk));
    if (eraseOlder && store.versioned) {
      for (const v of await store.versions(key)) if (v.versionId !== null && v.versionId !== versionId) await store.delete(key, { versionId: v.versionId });
    }
  } catch (err) {
    throw archiveUnavailable('write ' + key, err);
  }
  return key;
}

/** The chunk keys of one room or session with their ranges, oldest first (at most `maxChunks`). */
export async function listChunks(store: ObjectStore, kind: ArchiveKind, id: string, maxChunks = 100_000): Promise<{ key: string; first: number; last: number }[]> {
  const prefix = archivePrefix(kind, id);
  const out: { key: string; first: number; last: number }[] = [];
  let after: string | undefined;
  try {
    do {
      const page = await store.list(prefix, after === undefined ? {} : { after });
      for (const item of page.items) {
        const range = chunkRange(item.key, prefix);
        if (range !== undefined) out.push({ key: item.key, ...range });
      }
      after = page.next ?? undefined;
    } while (after !== undefined && out.length < maxChunks);
  } catch (err) {
    throw archiveUnavailable('list ' + prefix, err);
  }
  return out;
}
