// The Prohibited Capabilities registry: the SafetyCheck every narration passes before a player sees
// it. Configuration (GLASS_SAFETY_REGISTRY_FILE names its JSON), checked when loaded, with a version
// that is a hash of its canonical content (recorded with each verdict and in the audit chain).
//
// Patterns are a safe subset, so that checking is linear in the text: literal text (matched
// case-insensitively, whitespace runs counted as one space) and the one escape `\b` (a word
// boundary). No other metacharacter is accepted: no quantifier, so no backtracking blow-up; each
// pattern is at most MAX_PATTERN_LENGTH long, so a check is O(text × patterns) with both bounded.
// Worker-safe.
import { createHash } from 'node:crypto';
import { InvalidOptionError } from '../../runtime/index.js';
import type { SafetyCheck, SafetyVerdict } from './safety.js';

/** The JSON form: `{ "categories": { "<name>": { "patterns": ["literal", "\\bword\\b", …] } } }`. */
export interface SafetyRegistrySource {
  categories: Record<string, { description?: string; patterns: string[] }>;
}

export const SAFETY_LIMITS = Object.freeze({
  maxCategories: 64,
  maxPatternsPerCategory: 256,
  maxPatterns: 2_048,
  maxPatternLength: 200,
  maxDescriptionLength: 500,
  /** Longest JSON text loadSafetyRegistry parses. */
  maxSourceBytes: 512 * 1024,
});

const CATEGORY_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Every regex metacharacter but the backslash of `\b`: refused in a pattern. */
const FORBIDDEN = /[()[\]{}|+*?^$.]/;

/** A documented default: a few literal phrases per category; deployments replace it by configuration. */
export const DEFAULT_SAFETY_REGISTRY: SafetyRegistrySource = Object.freeze({
  categories: {
    'weapons-instructions': {
      description: 'Real-world instructions for making weapons, explosives or chemical agents.',
      patterns: ['how to make a bomb', 'how to build a bomb', 'pipe bomb instructions', 'synthesize nerve agent', 'step-by-step explosive recipe'],
    },
    'self-harm-instructions': {
      description: 'Methods or encouragement of self-harm or suicide.',
      patterns: ['how to kill yourself', 'ways to kill yourself', 'how to self-harm', '\\bbest way to end your life\\b'],
    },
    'real-world-doxxing': {
      description: 'Personal data of real people: addresses, identity numbers.',
      patterns: ['home address of', 'social security number', 'their real name and address', '\\bdox\\b'],
    },
    'sexual-content-minors': {
      description: 'Any sexual content involving minors.',
      patterns: ['sexual content involving a minor', 'sexual content involving minors', 'child sexual abuse material'],
    },
  },
}) as SafetyRegistrySource;

interface CompiledPattern {
  /** As written in the source (what a verdict names). */
  readonly source: string;
  /** Normalized literal (no `\b`): checked with includes; or a RegExp when it has word boundaries. */
  readonly literal: string | null;
  readonly regex: RegExp | null;
}

export interface SafetyCategory {
  readonly name: string;
  readonly description: string;
  readonly patterns: readonly string[];
  /** A hash of this category's canonical content (what the audit compares, category by category). */
  readonly digest: string;
}

/** Lowercased, whitespace runs as one space: text and literal patterns alike. */
function normalize(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ');
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export class SafetyRegistry implements SafetyCheck {
  readonly version: string;
  readonly categories: readonly SafetyCategory[];
  readonly #compiled: readonly (readonly [string, readonly CompiledPattern[]])[];

  private constructor(categories: SafetyCategory[]) {
    this.categories = Object.freeze(categories);
    this.version = 'sha256:' + sha256(JSON.stringify(this.toJSON()));
    this.#compiled = categories.map((c) => [c.name, c.patterns.map(compile)] as const);
  }

  /** Checks `source` (see SafetyRegistrySource); throws InvalidOptionError naming the field. */
  static from(source: unknown): SafetyRegistry {
    const L = SAFETY_LIMITS;
    if (source === null || typeof source !== 'object' || Array.isArray(source)) throw new InvalidOptionError('safetyRegistry', 'an object { categories }', source);
    const s = source as Record<string, unknown>;
    for (const k of Object.keys(s)) if (k !== 'categories') throw new InvalidOptionError(`safetyRegistry.${k}`, 'absent (the registry has only "categories")', s[k]);
    const cats = s.categories;
    if (cats === null || typeof cats !== 'object' || Array.isArray(cats)) throw new InvalidOptionError('safetyRegistry.categories', 'an object of categories by name', cats);
    const names = Object.keys(cats).sort();
    if (names.length > L.maxCategories) throw new InvalidOptionError('safetyRegistry.categories', `at most ${L.maxCategories} categories`, `${names.length} categories`);
    let total = 0;
    const out: SafetyCategory[] = [];
    for (const name of names) {
      const where = `safetyRegistry.categories.${name.slice(0, 64)}`;
      if (!CATEGORY_NAME.test(name)) throw new InvalidOptionError(where, 'named by lowercase letters, digits and "-" (at most 64)', name);
      const c = (cats as Record<string, unknown>)[name];
      if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new InvalidOptionError(where, 'an object { description?, patterns }', c);
      const cat = c as Record<string, unknown>;
      for (const k of Object.keys(cat)) if (k !== 'patterns' && k !== 'description') throw new InvalidOptionError(`${where}.${k}`, 'absent (a category has "description" and "patterns")', cat[k]);
      const description = cat.description === undefined ? '' : cat.description;
      if (typeof description !== 'string' || description.length > L.maxDescriptionLength) throw new InvalidOptionError(`${where}.description`, `a string of at most ${L.maxDescriptionLength} characters`, description);
      const patterns = cat.patterns;
      if (!Array.isArray(patterns) || patterns.length === 0 || patterns.length > L.maxPatternsPerCategory) throw new InvalidOptionError(`${where}.patterns`, `a list of 1 to ${L.maxPatternsPerCategory} patterns`, patterns);
      total += patterns.length;
      if (total > L.maxPatterns) throw new InvalidOptionError('safetyRegistry.categories', `at most ${L.maxPatterns} patterns in all`, `more than ${L.maxPatterns}`);
      const checked = patterns.map((p, i) => checkPattern(`${where}.patterns[${i}]`, p));
      const unique = [...new Set(checked)].sort();
      out.push({ name, description, patterns: Object.freeze(unique), digest: sha256(JSON.stringify([name, description, unique])) });
    }
    return new SafetyRegistry(out);
  }

  /** The canonical content (categories by name, patterns sorted and deduplicated): what `version` hashes. */
  toJSON(): SafetyRegistrySource {
    const categories: SafetyRegistrySource['categories'] = {};
    for (const c of this.categories) categories[c.name] = { description: c.description, patterns: [...c.patterns] };
    return { categories };
  }

  /** The first category (by name) with a pattern (in sorted order) that `text` contains. */
  check(text: string): SafetyVerdict {
    const t = normalize(typeof text === 'string' ? text : String(text));
    for (const [category, patterns] of this.#compiled) {
      for (const p of patterns) {
        if (p.literal !== null ? t.includes(p.literal) : p.regex!.test(t)) return { ok: false, category, pattern: p.source };
      }
    }
    return { ok: true };
  }
}

function checkPattern(where: string, p: unknown): string {
  const L = SAFETY_LIMITS;
  if (typeof p !== 'string' || p.trim().length === 0 || p.length > L.maxPatternLength) throw new InvalidOptionError(where, `a non-blank string of at most ${L.maxPatternLength} characters`, typeof p === 'string' ? p.slice(0, 64) : p);
  if (FORBIDDEN.test(p)) throw new InvalidOptionError(where, 'literal text and \\b only (no ( ) [ ] { } | + * ? ^ $ .)', p.slice(0, 64));
  if (/\\(?!b)/.test(p)) throw new InvalidOptionError(where, 'literal text and \\b only (no other escape)', p.slice(0, 64));
  if (p.replaceAll('\\b', '').trim().length === 0) throw new InvalidOptionError(where, 'some literal text besides \\b', p);
  return p;
}

function compile(source: string): CompiledPattern {
  const parts = source.split('\\b').map(normalize);
  if (parts.length === 1) return { source, literal: parts[0], regex: null };
  // Literal pieces escaped (only "-" and "/" can still be special-looking; escaping all is harmless), joined by \b.
  const body = parts.map((s) => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')).join('\\b');
  return { source, literal: null, regex: new RegExp(body) };
}

/** The default registry (DEFAULT_SAFETY_REGISTRY), built once. */
let defaultRegistry: SafetyRegistry | null = null;
export function defaultSafetyRegistry(): SafetyRegistry {
  return (defaultRegistry ??= SafetyRegistry.from(DEFAULT_SAFETY_REGISTRY));
}

/** A registry from its object or JSON text; throws InvalidOptionError (GLASS_ERR_INVALID_OPTION) naming the field. */
export function loadSafetyRegistry(source: object | string): SafetyRegistry {
  if (typeof source === 'string') {
    if (Buffer.byteLength(source, 'utf8') > SAFETY_LIMITS.maxSourceBytes) throw new InvalidOptionError('safetyRegistry', `JSON of at most ${SAFETY_LIMITS.maxSourceBytes} bytes`, `${source.length} characters`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(source);
    } catch {
      throw new InvalidOptionError('safetyRegistry', 'JSON text', source.slice(0, 32));
    }
    return SafetyRegistry.from(parsed);
  }
  return SafetyRegistry.from(source);
}
