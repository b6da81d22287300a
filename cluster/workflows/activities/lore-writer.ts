// Lore as state-store documents: one per named thing, `_id` `lore:<world>:<slug>` (kind `lore`, id
// `<world>:<slug>`), its state `{title, body, tags, source, sources}`. The search helper indexes
// them from CouchDB's `_changes` by that id prefix. Written through the StateStore, so the same
// code path, optimistic versions and retries as actor state; a conflict is thrown (the activity is
// retried). Idempotent: a document that already lists the turn's source is left as it is.
import { GlassError, StoreConflictError, WorkflowErrors, type StateStore } from '../../../runtime/index.js';
import type { TurnDigest } from '../workflow-types.js';
import { NonRetryableActivityError } from './activity-errors.js';
import { LORE_KIND, loreId } from '../../search/index.js';
import { slugOf } from './lore-digest.js';

/** A lore document's state. `source` is the latest turn that added to it; `sources` the last few. */
export interface LoreDocument {
  title: string;
  body: string;
  tags: string[];
  source: string;
  sources: string[];
}

export const LORE_DOC_LIMITS = Object.freeze({ body: 8_000, tags: 32, sources: 64 });

const WORLD = /^[a-z0-9][a-z0-9-]{0,63}$/;

function loreDocumentOf(value: unknown): LoreDocument | null {
  if (value === null || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (typeof v.title !== 'string' || typeof v.body !== 'string' || typeof v.source !== 'string') return null;
  const strings = (a: unknown): string[] => (Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : []);
  return { title: v.title, body: v.body, tags: strings(v.tags), source: v.source, sources: strings(v.sources) };
}

async function upsert(store: StateStore, world: string, slug: string, source: string, make: () => LoreDocument, add: (d: LoreDocument) => void): Promise<string> {
  // The id the search indexer reads back (cluster/search/): a slug it would skip is refused here.
  const docId = loreId(world, slug);
  if (docId === null) throw new NonRetryableActivityError(WorkflowErrors.INVALID, 'a lore slug must be 1 to 100 of [a-z0-9-], starting with a letter or digit');
  const id = `${world}:${slug}`;
  const loaded = await store.load(LORE_KIND, id);
  // What was read back is hostile too: a document that is not lore is replaced, not merged into.
  const existing = loaded === undefined ? null : loreDocumentOf(loaded.state);
  if (existing !== null && existing.sources.includes(source)) return docId;
  const doc = existing ?? make();
  add(doc);
  doc.source = source;
  doc.sources = [...doc.sources.filter((s) => s !== source), source].slice(-LORE_DOC_LIMITS.sources);
  if (doc.body.length > LORE_DOC_LIMITS.body) doc.body = doc.body.slice(doc.body.length - LORE_DOC_LIMITS.body);
  doc.tags = doc.tags.slice(0, LORE_DOC_LIMITS.tags);
  try {
    await store.save(LORE_KIND, id, doc, loaded?.version ?? null, loaded?.epoch ?? 0);
  } catch (err) {
    // Another consolidation wrote it meanwhile: the activity's retry reads it again and merges.
    if (err instanceof StoreConflictError) throw new GlassError(err.code, `lore ${id} changed while it was written`);
    throw err;
  }
  return docId;
}

/** Writes a turn's digest: a document per entity and the session's running summary. */
export async function writeDigest(store: StateStore, world: string, source: string, digest: TurnDigest): Promise<string[]> {
  if (!WORLD.test(world)) throw new NonRetryableActivityError(WorkflowErrors.INVALID, 'world must be 1 to 64 of [a-z0-9-], starting with a letter or digit');
  const session = source.slice(0, source.lastIndexOf('#'));
  const sessionTag = `session:${session}`;
  const ids: string[] = [];
  for (const e of digest.entities) {
    ids.push(
      await upsert(store, world, e.slug, source, () => ({ title: e.title, body: '', tags: ['entity'], source, sources: [] }), (d) => {
        d.body = (d.body === '' ? '' : d.body + '\n') + e.mentions.join(' ');
        if (!d.tags.includes(sessionTag)) d.tags.push(sessionTag);
      }),
    );
  }
  const slug = `session-${slugOf(session)}`;
  ids.push(
    await upsert(store, world, slug, source, () => ({ title: `Session ${session}`, body: '', tags: ['session', sessionTag], source, sources: [] }), (d) => {
      d.body = (d.body === '' ? '' : d.body + '\n') + digest.summary;
    }),
  );
  return ids;
}
