// What the narrators of a node are configured with: an object (validated by `narratorConfig`, also
// after the structured clone that takes it to a worker) or the environment (`narratorConfigFromEnv`).
// Bad values fail with GLASS_ERR_INVALID_OPTION naming the variable; API keys are Secrets, so the
// config prints, logs and serialises without them, and no error message ever carries one.
import { readFileSync, statSync } from 'node:fs';
import { ErrorCodes, GlassError, MAX_TIMER_MS } from '../../runtime/index.js';
import { DEFAULT_ANTHROPIC_BASE_URL, DEFAULT_ANTHROPIC_MODEL, DEFAULT_OPENAI_BASE_URL, DEFAULT_OPENAI_MODEL } from './provider-defaults.js';
import { DEFAULT_PRICE_TABLE, priceTable, type PriceTable } from './price-table.js';
import { Secret } from './secret.js';

export const NARRATOR_KINDS = ['offline', 'openai', 'anthropic'] as const;
export type NarratorKind = (typeof NARRATOR_KINDS)[number];
export type ProviderKind = Exclude<NarratorKind, 'offline'>;

export interface ProviderConfig {
  baseURL: string;
  model: string;
  /** Absent only for a server that needs none (not the provider's own host). */
  apiKey: Secret | undefined;
}

export interface NarratorConfig {
  /** The narrator asked first. */
  narrator: NarratorKind;
  /** Asked next, in order, after `narrator` fails; the offline narrator ends the chain unless `offlineFallback` is false. */
  fallback: ProviderKind[];
  /** false: the chain ends on its last provider, so an outage of every provider fails the turn (and escalates to the human GM queue). */
  offlineFallback: boolean;
  openai: ProviderConfig;
  anthropic: ProviderConfig;
  /** Per provider call: past it, the chain moves on. */
  timeoutMs: number;
  /** No chunk this long after the call: the chain moves on (0: no limit). */
  firstTokenMs: number;
  /** The offline narrator's pace. */
  pace: { firstChunkMs: number; chunksPerSec: number };
  prices: PriceTable;
}

export const NARRATOR_DEFAULTS = Object.freeze({
  timeoutMs: 20_000,
  firstTokenMs: 5_000,
  /** What `npm start` shows: a short pause, then about 30 words a second, like a model streaming. */
  pace: Object.freeze({ firstChunkMs: 300, chunksPerSec: 30 }),
});

const MAX_KEY_FILE_BYTES = 4_096;
const MAX_PRICES_FILE_BYTES = 1 << 20;

function invalid(variable: string, expectation: string, shown?: string): GlassError {
  return new GlassError(ErrorCodes.INVALID_OPTION, `${variable} must be ${expectation}${shown === undefined ? '' : ` (received ${shown})`}`, { option: variable });
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value;
}

function kindOf(variable: string, value: unknown): NarratorKind {
  if (!(NARRATOR_KINDS as readonly unknown[]).includes(value)) throw invalid(variable, `one of ${NARRATOR_KINDS.join(', ')}`, show(value));
  return value as NarratorKind;
}

function intIn(variable: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'string' && /^\d{1,10}$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw invalid(variable, `an integer from ${min} to ${max}`, show(value));
  return n;
}

function booleanOf(variable: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const v = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (v === 'on' || v === 'true' || v === '1') return true;
  if (v === 'off' || v === 'false' || v === '0') return false;
  throw invalid(variable, 'on or off', show(value));
}

function baseUrlOf(variable: string, value: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' && value.length <= 2_000 ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  // Never shown: a URL may carry credentials.
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw invalid(variable, 'an http: or https: URL');
  if (url.username !== '' || url.password !== '') throw invalid(variable, 'a URL without credentials (give the key in its own variable)');
  return url.href.replace(/\/$/, '');
}

function modelOf(variable: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9._:/@-]{1,200}$/.test(value)) throw invalid(variable, 'a model name (letters, digits, . _ : / @ -)', show(value));
  return value;
}

/** The provider's own hosts need a key; another server (a local model server) may not. */
function keyRequired(baseURL: string): boolean {
  const host = new URL(baseURL).hostname;
  return host === 'api.openai.com' || host === 'api.anthropic.com';
}

function providerOf(kind: ProviderKind, input: Partial<Record<keyof ProviderConfig, unknown>> | undefined, names: { url: string; model: string; key: string }): ProviderConfig {
  const baseURL = baseUrlOf(names.url, input?.baseURL ?? (kind === 'openai' ? DEFAULT_OPENAI_BASE_URL : DEFAULT_ANTHROPIC_BASE_URL));
  const model = modelOf(names.model, input?.model ?? (kind === 'openai' ? DEFAULT_OPENAI_MODEL : DEFAULT_ANTHROPIC_MODEL));
  const raw = input?.apiKey;
  const apiKey = raw === undefined || raw === '' ? undefined : Secret.from(raw);
  if (raw !== undefined && raw !== '' && apiKey === undefined) throw invalid(names.key, 'a string');
  if (apiKey !== undefined && (apiKey.value.length > MAX_KEY_FILE_BYTES || /[\s\u0000-\u001f]/.test(apiKey.value))) throw invalid(names.key, 'a key without spaces or control characters');
  return { baseURL, model, apiKey };
}

/**
 * A validated NarratorConfig from an object (defaults filled in). Keys may be given as strings,
 * Secrets, or what a structured clone left of a Secret. A provider of the chain whose host is the
 * provider's own must have a key.
 */
export function narratorConfig(input: unknown = {}, names: Partial<Record<string, string>> = {}): NarratorConfig {
  if (input === null || typeof input !== 'object') throw invalid('narratorConfig', 'an object');
  const o = input as Record<string, any>;
  const n = (key: string): string => names[key] ?? `narrator.${key}`;
  const narrator = kindOf(n('narrator'), o.narrator ?? 'offline');
  const fallbackIn: unknown = o.fallback ?? [];
  if (!Array.isArray(fallbackIn) || fallbackIn.length > 4) throw invalid(n('fallback'), 'a list of at most 4 of openai, anthropic, offline');
  const chain: ProviderKind[] = [];
  for (const f of fallbackIn) {
    const kind = kindOf(n('fallback'), f);
    if (kind !== 'offline' && kind !== narrator && !chain.includes(kind)) chain.push(kind);
  }
  const openai = providerOf('openai', o.openai, { url: n('openai.baseURL'), model: n('openai.model'), key: n('openai.apiKey') });
  const anthropic = providerOf('anthropic', o.anthropic, { url: n('anthropic.baseURL'), model: n('anthropic.model'), key: n('anthropic.apiKey') });
  for (const kind of narrator === 'offline' ? chain : [narrator, ...chain]) {
    const p = kind === 'openai' ? openai : anthropic;
    if (p.apiKey === undefined && keyRequired(p.baseURL)) throw invalid(n(`${kind}.apiKey`), `set: ${kind} is in the narrator chain`);
  }
  const pace = o.pace ?? NARRATOR_DEFAULTS.pace;
  return {
    narrator,
    fallback: chain,
    offlineFallback: booleanOf(n('offlineFallback'), o.offlineFallback ?? true),
    openai,
    anthropic,
    timeoutMs: intIn(n('timeoutMs'), o.timeoutMs ?? NARRATOR_DEFAULTS.timeoutMs, 1, MAX_TIMER_MS),
    firstTokenMs: intIn(n('firstTokenMs'), o.firstTokenMs ?? NARRATOR_DEFAULTS.firstTokenMs, 0, MAX_TIMER_MS),
    pace: { firstChunkMs: intIn(n('pace'), pace?.firstChunkMs, 0, 60_000), chunksPerSec: intIn(n('pace'), pace?.chunksPerSec, 0, 1_000) },
    prices: o.prices === undefined ? DEFAULT_PRICE_TABLE : priceTable(o.prices, n('prices')),
  };
}

/** A key from `variable`, else from the file `fileVariable` names (mode 0600 or stricter, trimmed). */
function keyFromEnv(env: NodeJS.ProcessEnv, variable: string, fileVariable: string): Secret | undefined {
  const direct = env[variable];
  if (direct !== undefined && direct !== '') return Secret.from(direct.trim());
  const path = env[fileVariable];
  if (path === undefined || path === '') return undefined;
  let text: string;
  try {
    const st = statSync(path);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) throw invalid(fileVariable, 'a file only its owner can read (chmod 600)');
    if (st.size > MAX_KEY_FILE_BYTES) throw invalid(fileVariable, `a file of at most ${MAX_KEY_FILE_BYTES} bytes`);
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    if (err instanceof GlassError) throw err;
    throw invalid(fileVariable, 'a readable file', JSON.stringify(path.slice(0, 200)));
  }
  if (text === '') throw invalid(fileVariable, 'a file holding a key');
  return Secret.from(text);
}

function pricesFromFile(path: string): unknown {
  const variable = 'GLASS_NARRATOR_PRICES_FILE';
  let text: string;
  try {
    if (statSync(path).size > MAX_PRICES_FILE_BYTES) throw invalid(variable, `a file of at most ${MAX_PRICES_FILE_BYTES} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof GlassError) throw err;
    throw invalid(variable, 'a readable file', JSON.stringify(path.slice(0, 200)));
  }
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(variable, 'a JSON file');
  }
}

/**
 * The configuration from the environment (variables in docs/NARRATION.md). Unset or empty
 * variables keep the defaults: with nothing set, the offline narrator at the `npm start` pace.
 */
export function narratorConfigFromEnv(env: NodeJS.ProcessEnv = process.env): NarratorConfig {
  const set = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const paceRaw = set(env.GLASS_NARRATOR_PACE);
  let pace: { firstChunkMs: unknown; chunksPerSec: unknown } | undefined;
  if (paceRaw !== undefined) {
    const m = /^(\d{1,6})\s*,\s*(\d{1,4})$/.exec(paceRaw);
    if (m === null) throw invalid('GLASS_NARRATOR_PACE', '"first chunk ms,chunks per second" (e.g. 300,30; 0,0 for no pacing)', show(paceRaw));
    pace = { firstChunkMs: Number(m[1]), chunksPerSec: Number(m[2]) };
  }
  const fallbackRaw = set(env.GLASS_NARRATOR_FALLBACK);
  const pricesPath = set(env.GLASS_NARRATOR_PRICES_FILE);
  return narratorConfig(
    {
      narrator: set(env.GLASS_NARRATOR),
      fallback: fallbackRaw === undefined ? undefined : fallbackRaw.split(',').map((s) => s.trim()).filter((s) => s !== ''),
      offlineFallback: set(env.GLASS_NARRATOR_OFFLINE_FALLBACK),
      openai: { baseURL: set(env.GLASS_OPENAI_BASE_URL), model: set(env.GLASS_OPENAI_MODEL), apiKey: keyFromEnv(env, 'OPENAI_API_KEY', 'GLASS_OPENAI_API_KEY_FILE') },
      anthropic: { baseURL: set(env.GLASS_ANTHROPIC_BASE_URL), model: set(env.GLASS_ANTHROPIC_MODEL), apiKey: keyFromEnv(env, 'ANTHROPIC_API_KEY', 'GLASS_ANTHROPIC_API_KEY_FILE') },
      timeoutMs: set(env.GLASS_NARRATOR_TIMEOUT_MS),
      firstTokenMs: set(env.GLASS_NARRATOR_FIRST_TOKEN_MS),
      pace,
      prices: pricesPath === undefined ? undefined : { ...DEFAULT_PRICE_TABLE, ...(priceTable(pricesFromFile(pricesPath), 'GLASS_NARRATOR_PRICES_FILE') as object) },
    },
    {
      narrator: 'GLASS_NARRATOR',
      fallback: 'GLASS_NARRATOR_FALLBACK',
      offlineFallback: 'GLASS_NARRATOR_OFFLINE_FALLBACK',
      'openai.baseURL': 'GLASS_OPENAI_BASE_URL',
      'openai.model': 'GLASS_OPENAI_MODEL',
      'openai.apiKey': 'OPENAI_API_KEY',
      'anthropic.baseURL': 'GLASS_ANTHROPIC_BASE_URL',
      'anthropic.model': 'GLASS_ANTHROPIC_MODEL',
      'anthropic.apiKey': 'ANTHROPIC_API_KEY',
      timeoutMs: 'GLASS_NARRATOR_TIMEOUT_MS',
      firstTokenMs: 'GLASS_NARRATOR_FIRST_TOKEN_MS',
      pace: 'GLASS_NARRATOR_PACE',
      prices: 'GLASS_NARRATOR_PRICES_FILE',
    },
  );
}

/** The config as a log line may show it: no keys, only whether each is set. */
export function describeNarratorConfig(config: NarratorConfig): Record<string, unknown> {
  const p = (c: ProviderConfig): Record<string, unknown> => ({ baseURL: c.baseURL, model: c.model, apiKey: c.apiKey === undefined ? 'unset' : 'set' });
  return { narrator: config.narrator, fallback: config.offlineFallback ? [...config.fallback, 'offline'] : [...config.fallback], openai: p(config.openai), anthropic: p(config.anthropic), timeoutMs: config.timeoutMs, firstTokenMs: config.firstTokenMs, pace: config.pace, prices: Object.keys(config.prices).length };
}
