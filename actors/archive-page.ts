// Paging back through a room's whole history or a session's whole transcript: the hot part from the
// actor (hotPage, run inside its handler), the archived part from the object store (archivedPage, run
// by whoever reads: the gateway, `glass archive`). One cursor over both: `before`, a seq; a page is
// the newest `limit` entries older than it, oldest first, and `next` is the `before` of the page
// after it (null at the very beginning). The boundary is the actor's `archive.through`: entries at
// or below it are read from the archive, above it from the hot state, so none comes twice.
import type { ObjectStore } from '../runtime/index.js';
import { listChunks, readChunk, type ArchiveItem, type ArchiveKind } from './archive-chunk.js';

/** The largest page a history request may ask for. */
export const MAX_HISTORY_PAGE = 200;
export const DEFAULT_HISTORY_PAGE = 50;

/** What an actor keeps about its archive (saved with its state). */
export interface ArchiveMark {
  /** The last seq archived and dropped from the hot state (0: nothing archived yet). */
  through: number;
  /** Redactions of archived entries still to be written into their chunks (seq for lines, turn number for turns). */
  redact?: number[];
}

export interface HistoryPage<T> {
  items: T[];
  /** `before` for the next (older) page; null when this page reaches the first entry. */
  next: number | null;
}

/** The hot part of a page, as an actor answers it: entries newer than `through`, and that boundary. */
export interface HotPage<T> extends HistoryPage<T> {
  through: number;
}

const seqOf = (item: ArchiveItem): number => item.seq ?? 0;

/** In the actor: the newest `limit` hot entries below `before`; `next` says where the archive (or older hot entries) go on. */
export function hotPage<T extends ArchiveItem>(hot: readonly T[], mark: ArchiveMark | undefined, before: number, limit: number): HotPage<T> {
  const through = mark?.through ?? 0;
  let end = hot.length;
  while (end > 0 && seqOf(hot[end - 1]!) >= before) end--;
  let start = end;
  while (start > 0 && end - start < limit && seqOf(hot[start - 1]!) > through) start--;
  const items = hot.slice(start, end);
  const olderHot = start > 0 && seqOf(hot[start - 1]!) > through;
  const oldest = items.length > 0 ? seqOf(items[0]!) : Math.min(before, through + 1);
  return { items, through, next: olderHot || through > 0 ? oldest : null };
}

/**
 * From the store: the newest `limit` archived entries with seq below `before` and at most `through`
 * (chunks written past it, by a spill whose drop a crash undid, are not yet the archive's).
 */
export async function archivedPage<T extends ArchiveItem>(
  store: ObjectStore,
  kind: ArchiveKind,
  id: string,
  before: number,
  limit: number,
  through: number,
): Promise<HistoryPage<T>> {
  const top = Math.min(before - 1, through);
  if (top < 0 || limit <= 0) return { items: [], next: null };
  const chunks = (await listChunks(store, kind, id)).filter((c) => c.first <= top);
  chunks.sort((a, b) => b.first - a.first || b.last - a.last);
  const picked: T[] = [];
  const seen = new Set<number>();
  let i = 0;
  for (; i < chunks.length && picked.length < limit; i++) {
    const chunk = await readChunk<T>(store, chunks[i]!.key, kind, id);
    if (chunk === undefined) continue;
    for (let j = chunk.items.length - 1; j >= 0 && picked.length < limit; j--) {
      const item = chunk.items[j]!;
      const seq = seqOf(item);
      // Chunks may overlap (a chunk size changed between versions): each seq once.
      if (seq > top || seen.has(seq)) continue;
      seen.add(seq);
      picked.push(item);
    }
  }
  picked.sort((a, b) => seqOf(a) - seqOf(b));
  const oldest = picked.length > 0 ? seqOf(picked[0]!) : 0;
  const more = picked.length > 0 && (i < chunks.length || chunks.slice(0, i).some((c) => c.first < oldest));
  return { items: picked, next: more ? oldest : null };
}

/** A whole page: the hot part first (the actor's answer), filled up from the archive when it falls short. */
export async function historyPage<T extends ArchiveItem>(
  hot: HotPage<T>,
  store: ObjectStore | null,
  kind: ArchiveKind,
  id: string,
  before: number,
  limit: number,
): Promise<HistoryPage<T>> {
  if (hot.items.length >= limit || hot.through === 0 || hot.next === null) return { items: hot.items, next: hot.next };
  // The hot part is exhausted: the rest comes from the archive, below the hot part's oldest.
  const below = Math.min(before, hot.next);
  if (store === null) return { items: hot.items, next: null };
  const archived = await archivedPage<T>(store, kind, id, below, limit - hot.items.length, hot.through);
  return { items: [...archived.items, ...hot.items], next: archived.next };
}
