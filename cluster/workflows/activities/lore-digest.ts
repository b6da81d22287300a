// The offline, deterministic consolidation of a turn: its gist (who acted, and the narration's first
// sentence) and the named things in its narration (capitalised runs of words; never the player's
// own text, which a moderator may redact). No LLM: the
// same turn always gives the same digest, so a rerun of the activity writes the same lore.
import { firstSentence } from '../../../actors/index.js';
import type { ConsolidationWorkflowInput, LoreEntity, TurnDigest } from '../workflow-types.js';

export const LORE_LIMITS = Object.freeze({
  /** Entities one turn may add. */
  maxEntities: 8,
  /** Mentions kept per entity per turn. */
  maxMentions: 3,
  /** Longest summary of one turn. */
  maxSummary: 400,
  /** Characters of a narration scanned. */
  maxScan: 8_000,
});

// Capitalised words that name nothing (sentence openers, pronouns, the narrator's stock words).
const NOT_NAMES = new Set(
  'A An The This That These Those It Its You Your Yours I We Our They Their He She His Her Him Them There Here Then When Where What Who Why How And But Or So If As At In On Of To For With From By Into Onto Nothing Something Someone Everyone Everything Somewhere Now Still Yet Not No Yes Ah Oh Well'.split(' '),
);

const NAME_RUN = /\b[A-Z][a-z][A-Za-z'-]*(?:\s+[A-Z][a-z][A-Za-z'-]*){0,2}\b/g;

/** kebab-case of a title: the id's last part (a-z, 0-9, "-"), at most 64 characters. */
export function slugOf(title: string): string {
  return title
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

function sentencesOf(text: string): string[] {
  return text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The named things in `text`, in order of first mention, each with the sentences that name it. */
export function extractEntities(text: string): LoreEntity[] {
  const byslug = new Map<string, LoreEntity>();
  for (const sentence of sentencesOf(text.slice(0, LORE_LIMITS.maxScan))) {
    for (const match of sentence.matchAll(NAME_RUN)) {
      // Drop leading words that name nothing ("The Old Mill" → "Old Mill"); a run of them is no name.
      const words = match[0].split(/\s+/);
      while (words.length > 0 && NOT_NAMES.has(words[0])) words.shift();
      if (words.length === 0) continue;
      const title = words.join(' ');
      const slug = slugOf(title);
      if (slug.length < 3) continue;
      let entity = byslug.get(slug);
      if (entity === undefined) {
        if (byslug.size >= LORE_LIMITS.maxEntities) continue;
        byslug.set(slug, (entity = { slug, title, mentions: [] }));
      }
      if (entity.mentions.length < LORE_LIMITS.maxMentions && !entity.mentions.includes(sentence)) entity.mentions.push(sentence.slice(0, 300));
    }
  }
  return [...byslug.values()];
}

/** The turn's digest: what the consolidation writes into the world's lore. */
export function digestTurn(input: ConsolidationWorkflowInput): TurnDigest {
  const summary = `${input.player}: ${firstSentence(input.narration)}`.slice(0, LORE_LIMITS.maxSummary);
  return { summary, entities: extractEntities(input.narration) };
}
