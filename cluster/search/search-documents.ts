// What one actor document of the state store (cluster/couch/: `{_id: kind:id, kind, id, state}`)
// becomes in the search index: a lore entry one document, a session one per turn, a room one per
// line. What is read back from the store is hostile: anything malformed is skipped, never thrown.
import { SearchLimits, validateSearchDocument, type SearchDocument } from '../../runtime/index.js';

/** What indexing one changed actor document means: documents to write, ids to drop, or a whole transcript to drop. */
export interface IndexChange {
  upsert: SearchDocument[];
  delete: string[];
  /** The actor document was deleted: every document of this session or room goes. */
  dropSession?: string;
  /** Entries that could not be indexed (malformed, past a bound). */
  skipped: number;
}

/** The lore document a `glass lore import` writes: `lore:<world>:<slug>`, state `{title, body, tags, source}`. */
export interface LoreState {
  title: string;
  body: string;
  tags: string[];
  source: string;
}

export const LORE_KIND = 'lore';
const SLUG = /^[a-z0-9][a-z0-9-]{0,99}$/;
const WORLD = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** `lore:<world>:<slug>`, or null when world or slug is not a name. */
export function loreId(world: string, slug: string): string | null {
  return WORLD.test(world) && SLUG.test(slug) ? `lore:${world}:${slug}` : null;
}

const EMPTY: IndexChange = Object.freeze({ upsert: [], delete: [], skipped: 0 }) as IndexChange;

/** Indexing of one `_changes` row (with its `doc`); `deleted` rows drop what the document had. */
export function indexChangeOf(id: string, deleted: boolean, doc: unknown): IndexChange {
  const colon = id.indexOf(':');
  if (colon <= 0) return EMPTY;
  const kind = id.slice(0, colon);
  if (kind !== 'lore' && kind !== 'session' && kind !== 'room') return EMPTY;
  if (deleted) return kind === 'lore' ? { upsert: [], delete: [id], skipped: 0 } : { upsert: [], delete: [], dropSession: id, skipped: 0 };
  const state = (doc as { state?: unknown } | null)?.state;
  if (state === null || typeof state !== 'object') return { ...EMPTY, skipped: 1 };
  const updatedAt = savedAtOf(doc);
  if (kind === 'lore') return loreChange(id, state as Record<string, unknown>, updatedAt);
  const entries = (state as Record<string, unknown>)[kind === 'session' ? 'transcript' : 'history'];
  if (!Array.isArray(entries)) return { ...EMPTY, skipped: 1 };
  return kind === 'session' ? turnsChange(id, entries) : linesChange(id, entries);
}

function loreChange(id: string, s: Record<string, unknown>, updatedAt: number): IndexChange {
  const parts = id.split(':');
  if (parts.length !== 3 || loreId(parts[1], parts[2]) !== id) return { ...EMPTY, skipped: 1 };
  return one({ id, kind: 'lore', world: parts[1], session: null, title: s.title, body: s.body, tags: s.tags ?? [], updatedAt });
}

function turnsChange(session: string, turns: unknown[]): IndexChange {
  const change: IndexChange = { upsert: [], delete: [], skipped: 0 };
  for (const t of turns) {
    const turn = t as Record<string, unknown> | null;
    if (turn === null || typeof turn !== 'object' || !Number.isSafeInteger(turn.turn)) {
      change.skipped++;
      continue;
    }
    const id = `${session}#${turn.turn as number}`;
    // A redacted turn leaves the index whole: the narration that answered it may repeat its words.
    if (turn.redacted === true) {
      change.delete.push(id);
      continue;
    }
    const said = turn.narration === true ? String(turn.text ?? '') : `${String(turn.player ?? '')}: ${String(turn.text ?? '')}`;
    const body = typeof turn.narrated === 'string' && turn.narrated !== '' ? `${said}\n${turn.narrated}` : said;
    add(change, { id, kind: 'transcript', world: null, session, title: `turn ${turn.turn as number}`, body: clip(body), tags: turn.narration === true ? ['narration'] : [], updatedAt: timeOf(turn.at) });
  }
  return change;
}

function linesChange(room: string, lines: unknown[]): IndexChange {
  const change: IndexChange = { upsert: [], delete: [], skipped: 0 };
  for (const l of lines) {
    const line = l as Record<string, unknown> | null;
    if (line === null || typeof line !== 'object' || !Number.isSafeInteger(line.seq)) {
      change.skipped++;
      continue;
    }
    const id = `${room}#${line.seq as number}`;
    if (line.redacted === true) {
      change.delete.push(id);
      continue;
    }
    add(change, { id, kind: 'transcript', world: null, session: room, title: `line ${line.seq as number}`, body: clip(`${String(line.from ?? '')}: ${String(line.text ?? '')}`), tags: line.narration === true ? ['narration'] : [], updatedAt: timeOf(line.at) });
  }
  return change;
}

function one(candidate: unknown): IndexChange {
  const change: IndexChange = { upsert: [], delete: [], skipped: 0 };
  add(change, candidate);
  return change;
}

function add(change: IndexChange, candidate: unknown): void {
  try {
    change.upsert.push(validateSearchDocument(candidate));
  } catch {
    change.skipped++;
  }
}

function clip(body: string): string {
  return body.length > SearchLimits.maxBodyLength ? body.slice(0, SearchLimits.maxBodyLength) : body;
}

function timeOf(at: unknown): number {
  return typeof at === 'number' && Number.isSafeInteger(at) && at >= 0 ? at : 0;
}

function savedAtOf(doc: unknown): number {
  const savedAt = (doc as { savedAt?: unknown }).savedAt;
  const ms = typeof savedAt === 'string' ? Date.parse(savedAt) : NaN;
  return Number.isFinite(ms) && ms >= 0 ? ms : 0;
}
