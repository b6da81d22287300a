// The check model: which skill checks a turn's text calls for, and how each is rolled. Pure and
// deterministic (no I/O, no clock, no Math.random): the same request always rolls the same, so a
// replayed turn gives the same results. Worker-safe; the node's rules pool runs it off the actors'
// event loop (cluster/rules/).
import { GlassError } from '../../runtime/index.js';
import { RulesErrors, type CheckOutcome, type CheckRequest, type CheckResult, type Modifiers } from './rules.js';

/** Keywords (base forms) → skill. Order is the skill's index in the seed. */
export const SKILL_KEYWORDS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  athletics: ['climb', 'jump', 'swim', 'leap', 'lift', 'vault', 'sprint'],
  stealth: ['sneak', 'hide', 'hid', 'creep', 'tiptoe', 'lurk'],
  persuasion: ['persuade', 'convince', 'bargain', 'negotiate', 'plead', 'haggle'],
  investigation: ['search', 'investigate', 'examine', 'inspect', 'study'],
  combat: ['fight', 'attack', 'strike', 'stab', 'shoot', 'parry'],
  perception: ['listen', 'spot', 'notice', 'watch', 'peer'],
  arcana: ['cast', 'enchant', 'conjure', 'dispel'],
  survival: ['track', 'forage', 'hunt', 'navigate'],
});

export const SKILLS: readonly string[] = Object.freeze(Object.keys(SKILL_KEYWORDS));

/** Words that make every check of the turn easier (−2) or harder (+3); both: +1. */
export const CAREFUL_WORDS: readonly string[] = Object.freeze(['carefully', 'slowly', 'cautiously', 'quietly', 'patiently']);
export const RECKLESS_WORDS: readonly string[] = Object.freeze(['quickly', 'recklessly', 'blindly', 'hastily', 'desperately']);

export const CHECK_MODEL = Object.freeze({
  /** Only the first this many characters of a turn's text are scanned. */
  maxScanChars: 4_096,
  /** At most this many checks (distinct skills, in order of first mention) per turn. */
  maxChecks: 3,
  baseDifficulty: 12,
  carefulShift: -2,
  recklessShift: 3,
  /** Momentum (−3 … +3, clamped) lowers the difficulty by itself: things going well make the next check easier. */
  maxMomentum: 3,
  minDifficulty: 5,
  maxDifficulty: 25,
  /** A modifier is truncated to an integer and clamped to ±maxModifier; a missing or non-finite one is 0. */
  maxModifier: 10,
  /** Bounds of the request's strings (UTF-16 units). */
  maxIdLength: 256,
  maxTextLength: 100_000,
  maxModifierEntries: 64,
});

/** Inflections a keyword may carry: climb, climbs, climbed, climbing, (hide →) hides, hided… */
const SUFFIXES = ['', 's', 'es', 'ed', 'd', 'ing'];

const KEYWORD_SKILL: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  SKILLS.forEach((skill, index) => {
    for (const keyword of SKILL_KEYWORDS[skill]) {
      for (const suffix of SUFFIXES) if (!map.has(keyword + suffix)) map.set(keyword + suffix, index);
      // hide → hiding, strike → striking: a final e dropped before -ing.
      if (keyword.endsWith('e')) map.set(keyword.slice(0, -1) + 'ing', index);
    }
  });
  return map;
})();
const CAREFUL = new Set(CAREFUL_WORDS);
const RECKLESS = new Set(RECKLESS_WORDS);

/** 32-bit FNV-1a over the UTF-16 code units of `text`. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small 32-bit-state PRNG; each call returns a float in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The seed of one check: FNV-1a of `session \0 turn \0 player \0 skillIndex` (the skill's index in SKILLS). */
export function checkSeed(session: string, turn: number, player: string, skillIndex: number): number {
  return fnv1a32(`${session}\u0000${turn}\u0000${player}\u0000${skillIndex}`);
}

/** The d20 of one check: the first draw of mulberry32(checkSeed(…)), as 1 + ⌊20·u⌋. */
export function rollD20(session: string, turn: number, player: string, skillIndex: number): number {
  return 1 + Math.floor(mulberry32(checkSeed(session, turn, player, skillIndex))() * 20);
}

export function outcomeOf(roll: number, total: number, difficulty: number): CheckOutcome {
  if (roll === 20) return 'critical-success';
  if (roll === 1) return 'critical-failure';
  return total >= difficulty ? 'success' : 'failure';
}

/** Each check of the turn: skills in order of first mention, at most maxChecks, over the first maxScanChars. */
export function runChecks(request: CheckRequest): CheckResult[] {
  const r = checkRequestOf(request);
  const M = CHECK_MODEL;
  const text = r.text.slice(0, M.maxScanChars).toLowerCase();
  const skills: number[] = [];
  let careful = false;
  let reckless = false;
  // One linear pass over ASCII-letter words (bounded by maxScanChars).
  for (const match of text.matchAll(/[a-z]+/g)) {
    const word = match[0];
    if (CAREFUL.has(word)) careful = true;
    else if (RECKLESS.has(word)) reckless = true;
    const skill = KEYWORD_SKILL.get(word);
    if (skill !== undefined && skills.length < M.maxChecks && !skills.includes(skill)) skills.push(skill);
  }
  const momentum = clamp(Math.trunc(r.momentum), -M.maxMomentum, M.maxMomentum);
  const shift = (careful ? M.carefulShift : 0) + (reckless ? M.recklessShift : 0);
  const difficulty = clamp(M.baseDifficulty + shift - momentum, M.minDifficulty, M.maxDifficulty);
  return skills.map((index) => {
    const skill = SKILLS[index];
    const roll = rollD20(r.session, r.turn, r.player, index);
    const modifier = modifierOf(r.modifiers, skill);
    const total = roll + modifier;
    return { skill, roll, modifier, total, difficulty, outcome: outcomeOf(roll, total, difficulty) };
  });
}

/** The character's modifier for `skill`: an own finite number, truncated and clamped; else 0. */
export function modifierOf(modifiers: Modifiers, skill: string): number {
  const value = Object.prototype.hasOwnProperty.call(modifiers, skill) ? modifiers[skill] : 0;
  if (typeof value !== 'number' || !Number.isFinite(value)) return 0;
  return clamp(Math.trunc(value), -CHECK_MODEL.maxModifier, CHECK_MODEL.maxModifier) + 0;
}

/**
 * `value` checked as a CheckRequest (it may come from another thread or a client): throws
 * GlassError RulesErrors.INVALID naming the field. Modifiers are only bounded in count here; their
 * values are read leniently (modifierOf).
 */
export function checkRequestOf(value: unknown): CheckRequest {
  const M = CHECK_MODEL;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid('request', 'an object');
  const v = value as Record<string, unknown>;
  if (typeof v.session !== 'string' || v.session.length === 0 || v.session.length > M.maxIdLength) throw invalid('session', `a string of 1 to ${M.maxIdLength} characters`);
  if (typeof v.player !== 'string' || v.player.length === 0 || v.player.length > M.maxIdLength) throw invalid('player', `a string of 1 to ${M.maxIdLength} characters`);
  if (typeof v.turn !== 'number' || !Number.isSafeInteger(v.turn) || v.turn < 0) throw invalid('turn', 'a non-negative integer');
  if (typeof v.text !== 'string' || v.text.length > M.maxTextLength) throw invalid('text', `a string of at most ${M.maxTextLength} characters`);
  if (typeof v.momentum !== 'number' || !Number.isFinite(v.momentum)) throw invalid('momentum', 'a finite number');
  const mods = v.modifiers;
  if (mods === null || typeof mods !== 'object' || Array.isArray(mods)) throw invalid('modifiers', 'an object');
  if (Object.keys(mods).length > M.maxModifierEntries) throw invalid('modifiers', `at most ${M.maxModifierEntries} entries`);
  return { session: v.session, player: v.player, turn: v.turn, text: v.text, momentum: v.momentum, modifiers: mods as Modifiers };
}

function invalid(field: string, expectation: string): GlassError {
  return new GlassError(RulesErrors.INVALID, `check request: ${field} must be ${expectation}`, { field });
}

function clamp(n: number, min: number, max: number): number {
  return n < min ? min : n > max ? max : n;
}
