// Entries that age out of an actor's hot state go to the archive before they leave it. The actor
// keeps its newest `limit` entries plus those on their way out: once `chunk` entries beyond `limit`
// have gathered, the oldest `chunk` of them are written as one chunk (detached, through the node's
// `objects` service, as turn runs are: Akka's pipeToSelf); only when the write has resolved does the
// actor drop them and move `archive.through` (saved with its state). A crash in between loses
// nothing: the entries are still in the saved state and the next spill writes the same chunk to the
// same key again. A node without an `objects` service keeps the old behaviour (oldest dropped).
import { GlassError, OBJECTS_SERVICE, type ObjectStore } from '../runtime/index.js';
import type { ActorContext } from './define-actor.js';
import { ArchiveErrors } from './actor-errors.js';
import { chunkKey, listChunks, readChunk, writeChunk, type ArchiveChunk, type ArchiveItem, type ArchiveKind } from './archive-chunk.js';
import { hotPage, type ArchiveMark, type HotPage } from './archive-page.js';

/** The message a spill or a redaction sends its actor when it is done (or failed). */
export type ArchiveDone =
  | { type: 'archive-done'; op: 'spill'; first: number; last: number; ok: boolean }
  | { type: 'archive-done'; op: 'redact'; ref: number; ok: boolean }
  | { type: 'archive-done'; op: 'retry' };

export interface ArchiveHolder {
  archive?: ArchiveMark;
}

export interface SpillPolicy {
  kind: ArchiveKind;
  /** Entries the actor shows (joins, resumes). */
  limit: number;
  /** Entries one chunk holds. */
  chunk: number;
  /** Entries waiting for the archive past which new ones are refused (GLASS_ERR_ARCHIVE_BEHIND). */
  maxBehind: number;
}

/** At most this many archived entries wait for their redaction to be written. */
export const MAX_PENDING_REDACTIONS = 100;
const RETRY_TIMER = 'archive-retry';
const RETRY_MS = 5_000;

// Per worker: the spill (or redaction) in flight for each actor, by address key.
// `held`: a write failed; nothing more is tried until the retry timer fires (no attempt per message during an outage).
// `spill.items`: the entries written; `spill.text`: their JSON, kept only when some entry could change in place.
const inFlight = new Map<string, { spill?: { first: number; last: number; items: readonly ArchiveItem[]; text?: string }; redact?: number; held?: true }>();

// Per actor context (one per activation): whether its node has an archive, asked once, not per line.
const stores = new WeakMap<object, ObjectStore | null>();

function storeOf(ctx: ActorContext<unknown>): ObjectStore | undefined {
  let store = stores.get(ctx);
  if (store === undefined) {
    try {
      store = ctx.service<ObjectStore>(OBJECTS_SERVICE);
    } catch {
      store = null;
    }
    stores.set(ctx, store);
  }
  return store ?? undefined;
}

const seqOf = (item: ArchiveItem): number => item.seq ?? 0;
const keyOf = (ctx: ActorContext<unknown>): string => ctx.self.kind + ':' + ctx.self.id;

/** Before a new entry is accepted: refused while the archive is too far behind (nothing is dropped unarchived). */
export function refuseWhenBehind(ctx: ActorContext<unknown>, hot: readonly ArchiveItem[], policy: SpillPolicy): void {
  if (hot.length >= policy.limit + policy.maxBehind && storeOf(ctx) !== undefined) {
    throw new GlassError(ArchiveErrors.BEHIND, `the archive of ${policy.kind} ${ctx.self.id} is behind: retry shortly`, { waiting: hot.length - policy.limit });
  }
}

/** After an entry was appended: drop (no archive) or spill what is past the limit. */
export function afterAppend<S extends ArchiveHolder>(ctx: ActorContext<S>, hot: ArchiveItem[], policy: SpillPolicy): void {
  const store = storeOf(ctx as ActorContext<unknown>);
  if (store === undefined) {
    while (hot.length > policy.limit) hot.shift();
    return;
  }
  startSpill(ctx, store, hot, policy);
}

function startSpill<S extends ArchiveHolder>(ctx: ActorContext<S>, store: ObjectStore, hot: readonly ArchiveItem[], policy: SpillPolicy): void {
  // Most lines spill nothing: that is known before the flight's key is made (no string and no object per line).
  if (hot.length < policy.limit + policy.chunk) return;
  const key = keyOf(ctx as ActorContext<unknown>);
  const flight = inFlight.get(key) ?? {};
  if (flight.spill !== undefined || flight.held === true) return;
  const items = hot.slice(0, policy.chunk);
  const chunk: ArchiveChunk = { v: 1, kind: policy.kind, id: ctx.self.id, first: seqOf(items[0]!), last: seqOf(items[items.length - 1]!), items };
  // What was written, to tell at the drop whether a redaction changed these entries meanwhile: a
  // frozen entry of primitives is replaced, never edited (a room's lines), so the same objects are
  // the same text; anything else is compared by its JSON.
  flight.spill = items.every(flatFrozen) ? { first: chunk.first, last: chunk.last, items } : { first: chunk.first, last: chunk.last, items, text: JSON.stringify(items) };
  inFlight.set(key, flight);
  const self = ctx.self;
  writeChunk(store, chunk, true).then(
    () => ctx.tell(self, { type: 'archive-done', op: 'spill', first: chunk.first, last: chunk.last, ok: true }),
    () => ctx.tell(self, { type: 'archive-done', op: 'spill', first: chunk.first, last: chunk.last, ok: false }),
  );
}

/** A moderator redacted entry `ref` (a line's seq, a turn's number) that is no longer hot: its chunk is rewritten. */
export function redactArchived<S extends ArchiveHolder>(ctx: ActorContext<S>, ref: number, hot: readonly ArchiveItem[], policy: SpillPolicy): void {
  const mark = ctx.state.archive;
  if (mark === undefined || mark.through === 0 || storeOf(ctx as ActorContext<unknown>) === undefined) return;
  const inHot = hot.some((item) => (policy.kind === 'room' ? seqOf(item) : item.turn) === ref);
  if (inHot) return;
  const pending = (mark.redact ??= []);
  if (pending.includes(ref)) return;
  if (pending.length >= MAX_PENDING_REDACTIONS) throw new GlassError(ArchiveErrors.BEHIND, 'too many archived redactions are waiting: retry shortly');
  pending.push(ref);
  startRedaction(ctx, policy.kind);
}

function startRedaction<S extends ArchiveHolder>(ctx: ActorContext<S>, kind: ArchiveKind): void {
  const ref = ctx.state.archive?.redact?.[0];
  const store = storeOf(ctx as ActorContext<unknown>);
  const key = keyOf(ctx as ActorContext<unknown>);
  const flight = inFlight.get(key) ?? {};
  if (ref === undefined || store === undefined || flight.redact !== undefined || flight.held === true) return;
  flight.redact = ref;
  inFlight.set(key, flight);
  const self = ctx.self;
  rewriteRedacted(store, kind, ctx.self.id, ref, ctx.state.archive!.through).then(
    () => ctx.tell(self, { type: 'archive-done', op: 'redact', ref, ok: true }),
    () => ctx.tell(self, { type: 'archive-done', op: 'redact', ref, ok: false }),
  );
}

/** Finds the chunk holding `ref` and writes it again with that entry's text removed; older versions are erased. */
export async function rewriteRedacted(store: ObjectStore, kind: ArchiveKind, id: string, ref: number, through: number): Promise<boolean> {
  const chunks = (await listChunks(store, kind, id)).filter((c) => c.first <= through).reverse();
  const candidates = kind === 'room' ? chunks.filter((c) => c.first <= ref && ref <= c.last) : chunks;
  for (const c of candidates) {
    const chunk = await readChunk(store, c.key, kind, id);
    if (chunk === undefined) continue;
    const i = chunk.items.findIndex((item) => (kind === 'room' ? seqOf(item) : item.turn) === ref);
    if (i < 0) continue;
    chunk.items[i] = { ...chunk.items[i]!, text: '', redacted: true };
    await writeChunk(store, chunk, true);
    return true;
  }
  return false;
}

/**
 * The `archive-done` handler of an actor whose hot entries are `hot`. A spill that wrote what is
 * still there drops it and moves `through`; one whose entries changed meanwhile (a redaction) or
 * failed is written again (a failure after a pause, by timer).
 */
export function archiveDone<S extends ArchiveHolder>(ctx: ActorContext<S>, hot: ArchiveItem[], policy: SpillPolicy, msg: ArchiveDone): {} {
  const key = keyOf(ctx as ActorContext<unknown>);
  const flight = inFlight.get(key) ?? {};
  const store = storeOf(ctx as ActorContext<unknown>);
  if (msg.op === 'spill' && flight.spill?.first === msg.first && flight.spill.last === msg.last) {
    const written = flight.spill;
    flight.spill = undefined;
    const n = hot.findIndex((item) => seqOf(item) === msg.last) + 1;
    if (msg.ok && n > 0 && seqOf(hot[0]!) === msg.first && stillWritten(hot, n, written)) {
      hot.splice(0, n);
      const mark = (ctx.state.archive ??= { through: 0 });
      mark.through = Math.max(mark.through, msg.last);
    } else if (!msg.ok) hold(ctx, flight);
  } else if (msg.op === 'redact' && flight.redact === msg.ref) {
    flight.redact = undefined;
    const pending = ctx.state.archive?.redact;
    if (msg.ok && pending !== undefined) {
      const i = pending.indexOf(msg.ref);
      if (i >= 0) pending.splice(i, 1);
      if (pending.length === 0) delete ctx.state.archive!.redact;
    } else if (!msg.ok) hold(ctx, flight);
  } else if (msg.op === 'retry') delete flight.held;
  if (flight.spill === undefined && flight.redact === undefined && flight.held === undefined) inFlight.delete(key);
  else inFlight.set(key, flight);
  if (store !== undefined) {
    startSpill(ctx, store, hot, policy);
    startRedaction(ctx, policy.kind);
  }
  return {};
}

/** A frozen object whose own values are all primitives: it cannot change, only be replaced. */
function flatFrozen(item: ArchiveItem): boolean {
  if (!Object.isFrozen(item)) return false;
  for (const key in item) {
    const v = (item as unknown as Record<string, unknown>)[key];
    if (v !== null && (typeof v === 'object' || typeof v === 'function')) return false;
  }
  return true;
}

/** Whether the first `n` hot entries are what the spill wrote (the same objects, or the same JSON). */
function stillWritten(hot: readonly ArchiveItem[], n: number, written: { items: readonly ArchiveItem[]; text?: string }): boolean {
  if (written.text !== undefined) return JSON.stringify(hot.slice(0, n)) === written.text;
  if (n !== written.items.length) return false;
  for (let i = 0; i < n; i++) if (hot[i] !== written.items[i]) return false;
  return true;
}

function hold(ctx: ActorContext<unknown>, flight: { held?: true }): void {
  flight.held = true;
  ctx.timers.once(RETRY_TIMER, RETRY_MS, { type: 'archive-done', op: 'retry' });
}

/** An actor that comes back (activation) picks up what its last one left unwritten. */
export function resumeArchive<S extends ArchiveHolder>(ctx: ActorContext<S>, hot: ArchiveItem[], policy: SpillPolicy): void {
  // A flight of an earlier activation may never report (its cell is gone): this one starts afresh;
  // a late report still matches only a flight with the same range, and the content check holds.
  inFlight.delete(keyOf(ctx as ActorContext<unknown>));
  const store = storeOf(ctx as ActorContext<unknown>);
  if (store === undefined) return;
  startSpill(ctx, store, hot, policy);
  startRedaction(ctx, policy.kind);
}

/**
 * The two handlers every archived kind has, for its handlers object: `history` (read-only: the hot
 * part of a page, see archive-page.ts) and `archive-done` (the spill's and redaction's reports).
 */
export function archiveHandlers<S extends ArchiveHolder, T extends ArchiveItem>(hotOf: (state: S) => T[], policy: SpillPolicy) {
  return {
    /** A page of entries older than seq `before` from the hot state; the gateway fills it up from the archive. */
    history(ctx: ActorContext<S>, msg: { before: number; limit: number }): HotPage<T> {
      return hotPage(hotOf(ctx.state), ctx.state.archive, msg.before, msg.limit);
    },
    /** A spill or an archived redaction finished. */
    'archive-done'(ctx: ActorContext<S>, msg: ArchiveDone): {} {
      return archiveDone(ctx, hotOf(ctx.state), policy, msg);
    },
  };
}

/** The key the next spill of `hot` writes (for tests and `glass archive`). */
export function nextChunkKey(kind: ArchiveKind, id: string, hot: readonly ArchiveItem[], policy: SpillPolicy): string | undefined {
  if (hot.length < policy.limit + policy.chunk) return undefined;
  return chunkKey(kind, id, seqOf(hot[0]!), seqOf(hot[policy.chunk - 1]!));
}
