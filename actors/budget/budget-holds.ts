// What a world's budget has promised and not yet been told the cost of: one hold per LLM turn in
// flight, taken by `reserve` before the call and given back by `spend` (its real cost replaces it)
// or `release` (no call was made). Two sessions of a world deciding at the same moment then see each
// other: the second's projection counts the first's hold. Pure; the budget actor keeps the table.

/** A turn in flight: the USD it may cost and when it was taken. */
export interface BudgetHold {
  usd: number;
  at: number;
}

export type BudgetHolds = Record<string, BudgetHold>;

/** A hold no spend or release came for (its session's worker died, say) lapses after this. */
export const HOLD_TTL_MS = 10 * 60_000;
/** Holds a world keeps; past it the oldest lapses first. */
export const MAX_HOLDS = 1_000;
/** What a hold is worth when the week has no calls to average yet. */
export const FIRST_HOLD_USD = 0;

/** The holds still running at `nowMs`, the table read defensively (a store is not trusted). */
export function liveHolds(holds: unknown, nowMs: number): BudgetHolds {
  const out: BudgetHolds = {};
  if (holds === null || typeof holds !== 'object') return out;
  for (const [key, h] of Object.entries(holds as Record<string, Partial<BudgetHold> | null>)) {
    if (h === null || typeof h !== 'object' || typeof h.usd !== 'number' || !Number.isFinite(h.usd) || h.usd < 0 || typeof h.at !== 'number') continue;
    if (nowMs - h.at >= HOLD_TTL_MS || h.at > nowMs + HOLD_TTL_MS) continue;
    out[key] = { usd: h.usd, at: h.at };
  }
  return out;
}

export function heldUsd(holds: BudgetHolds): number {
  let total = 0;
  for (const h of Object.values(holds)) total += h.usd;
  return total;
}

/** What one more call may cost: this week's average per call (a first call is counted when spent). */
export function holdEstimateUsd(spentUsd: number, calls: number): number {
  return calls > 0 ? spentUsd / calls : FIRST_HOLD_USD;
}

/** Adds (or renews) the hold `key`; the oldest go past MAX_HOLDS. */
export function addHold(holds: BudgetHolds, key: string, usd: number, nowMs: number): BudgetHolds {
  delete holds[key];
  holds[key] = { usd, at: nowMs };
  const keys = Object.keys(holds);
  for (let i = 0; keys.length - i > MAX_HOLDS; i++) delete holds[keys[i]!];
  return holds;
}
