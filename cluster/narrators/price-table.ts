// What a provider call costs: USD per million input and output tokens, per provider and model. The
// default table is a snapshot of public list prices (see docs/NARRATION.md) and is meant to be
// overridden (GLASS_NARRATOR_PRICES_FILE): prices change, and a local model server costs nothing.
import { GlassError, ErrorCodes } from '../../runtime/index.js';
import type { NarrationUsage } from '../../actors/index.js';

export interface ModelPrice {
  /** USD per 1,000,000 input (prompt) tokens. */
  inputPerMTok: number;
  /** USD per 1,000,000 output (completion) tokens. */
  outputPerMTok: number;
}

/**
 * Keys are `provider:model` ("openai:gpt-4o-mini"); a key ending in `*` is a prefix
 * ("anthropic:claude-3-5-haiku*"). An exact key wins over a prefix, a longer prefix over a shorter.
 */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** List prices in USD per 1M tokens, as published by the providers when this table was written. */
export const DEFAULT_PRICE_TABLE: PriceTable = Object.freeze({
  'openai:gpt-4o-mini*': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'openai:gpt-4o*': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'openai:gpt-4.1-nano*': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'openai:gpt-4.1-mini*': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'openai:gpt-4.1*': { inputPerMTok: 2, outputPerMTok: 8 },
  'anthropic:claude-3-5-haiku*': { inputPerMTok: 0.8, outputPerMTok: 4 },
  'anthropic:claude-haiku-4-5*': { inputPerMTok: 1, outputPerMTok: 5 },
  'anthropic:claude-3-7-sonnet*': { inputPerMTok: 3, outputPerMTok: 15 },
  'anthropic:claude-sonnet-4*': { inputPerMTok: 3, outputPerMTok: 15 },
  'offline:*': { inputPerMTok: 0, outputPerMTok: 0 },
});

export const MAX_PRICE_ENTRIES = 1_000;
const MAX_PRICE_PER_MTOK = 10_000;

/** The price of `provider:model` in `table`, or undefined when the table does not know the model. */
export function priceOf(table: PriceTable, provider: string, model: string): ModelPrice | undefined {
  const key = `${provider}:${model}`;
  const exact = Object.hasOwn(table, key) ? table[key] : undefined;
  if (exact !== undefined) return exact;
  let best: string | undefined;
  for (const k of Object.keys(table)) {
    if (k.endsWith('*') && key.startsWith(k.slice(0, -1)) && (best === undefined || k.length > best.length)) best = k;
  }
  return best === undefined ? undefined : table[best];
}

/** The cost of one call. `priced` false: the model is not in the table and the cost is 0. */
export function costOf(usage: Pick<NarrationUsage, 'provider' | 'model' | 'inputTokens' | 'outputTokens'>, table: PriceTable = DEFAULT_PRICE_TABLE): { costUsd: number; priced: boolean } {
  const price = priceOf(table, usage.provider, usage.model);
  if (price === undefined) return { costUsd: 0, priced: false };
  return { costUsd: (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1_000_000, priced: true };
}

/** A price table from parsed JSON (a file, a config object); `source` names it in errors. */
export function priceTable(input: unknown, source: string): PriceTable {
  const bad = (why: string): GlassError => new GlassError(ErrorCodes.INVALID_OPTION, `${source} must be a price table (${why})`, { option: source });
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw bad('a JSON object of "provider:model": { inputPerMTok, outputPerMTok }');
  const entries = Object.entries(input as Record<string, unknown>);
  if (entries.length > MAX_PRICE_ENTRIES) throw bad(`at most ${MAX_PRICE_ENTRIES} entries`);
  const table: Record<string, ModelPrice> = Object.create(null);
  for (const [key, value] of entries) {
    if (!/^[a-z0-9_-]{1,32}:[A-Za-z0-9._:/@*-]{1,200}$/.test(key)) throw bad(`the key ${JSON.stringify(key.slice(0, 80))} is not provider:model`);
    const v = value as Partial<ModelPrice> | null;
    const ok = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= MAX_PRICE_PER_MTOK;
    if (v === null || typeof v !== 'object' || !ok(v.inputPerMTok) || !ok(v.outputPerMTok)) throw bad(`${key} needs inputPerMTok and outputPerMTok from 0 to ${MAX_PRICE_PER_MTOK}`);
    table[key] = { inputPerMTok: v.inputPerMTok, outputPerMTok: v.outputPerMTok };
  }
  return Object.freeze({ ...table });
}
