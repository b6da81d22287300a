// The bench's documents and queries: lore entries over a few worlds and transcript turns over many
// sessions, from a seeded generator (the same corpus every run), words drawn from a small lexicon
// with a skew, so some words are common and some rare, as in a game's text.
import type { SearchDocument, SearchQuery } from '../../runtime/index.js';

const WORDS = (
  'dragon temple ember road salt marsh lantern tower harbour smuggler priest knight oracle raven ' +
  'storm forest bridge crown blade shadow river mountain castle village merchant thief archive ' +
  'mirror silver copper iron obsidian glass frost ash cinder moon sun star tide whisper secret ' +
  'map compass riddle curse blessing shrine altar crypt library scroll rune spell potion elixir ' +
  'wolf bear owl serpent spider falcon stag boar hound horse ship sail anchor rope cloak hood ' +
  'torch candle ash-grey crimson golden pale broken hidden ancient forgotten sunken burning frozen'
).split(' ');

export const BENCH_WORLDS = ['ashfall', 'rimeholt', 'verdance', 'saltmere', 'duskreach'];

/** Park–Miller: small, seeded, good enough to pick words. */
export class Lcg {
  #s: number;
  constructor(seed: number) {
    this.#s = seed % 2_147_483_647 || 1;
  }
  next(): number {
    this.#s = (this.#s * 48_271) % 2_147_483_647;
    return this.#s / 2_147_483_647;
  }
  /** Index skewed towards the start (word frequency roughly Zipf-like). */
  skewed(n: number): number {
    return Math.min(n - 1, Math.floor(n * this.next() ** 2));
  }
}

function sentence(rng: Lcg, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[rng.skewed(WORDS.length)]);
  return out.join(' ');
}

/** Document `i` of the corpus: one in five is lore, the rest transcript turns of 1 of `docs / 100` sessions. */
export function benchDocument(rng: Lcg, i: number, docs: number): SearchDocument {
  const at = 1_700_000_000_000 + i * 1_000;
  if (i % 5 === 0) {
    const world = BENCH_WORLDS[i % BENCH_WORLDS.length];
    return { id: `lore:${world}:entry-${i}`, kind: 'lore', world, session: null, title: sentence(rng, 3), body: `${sentence(rng, 40)}. ${sentence(rng, 40)}.`, tags: [WORDS[rng.skewed(WORDS.length)]], updatedAt: at };
  }
  const session = `session:s${i % Math.max(1, Math.floor(docs / 100))}`;
  return { id: `${session}#${i}`, kind: 'transcript', world: null, session, title: `turn ${i}`, body: `p${i % 7}: ${sentence(rng, 14)}\n${sentence(rng, 30)}`, tags: [], updatedAt: at };
}

/** One query of the mix: single words, pairs, a phrase, a typo (the trigram pass), filtered by kind or world. */
export function benchQuery(rng: Lcg, i: number): SearchQuery {
  const word = (): string => WORDS[rng.skewed(WORDS.length)];
  switch (i % 6) {
    case 0:
      return { text: word(), kind: 'lore' };
    case 1:
      return { text: `${word()} ${word()}` };
    case 2:
      return { text: `"${word()} ${word()}"`, kind: 'transcript' };
    case 3: {
      // Two letters swapped: a word no tsvector holds, so the typo pass answers.
      const w = WORDS[Math.floor(rng.next() * WORDS.length)];
      const at = Math.max(1, Math.floor(w.length / 2));
      return { text: w.slice(0, at - 1) + w[at] + w[at - 1] + w.slice(at + 1), kind: 'lore' };
    }
    case 4:
      return { text: word(), world: BENCH_WORLDS[i % BENCH_WORLDS.length], kind: 'lore' };
    default:
      return { text: `${word()} -${word()}`, limit: 20 };
  }
}
