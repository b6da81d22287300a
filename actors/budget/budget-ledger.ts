// The arithmetic of a budget, pure: a world's spend for its current ISO week, the level a spend
// puts it at, and what a session may do at that level. The budget actor and the session's gate
// both decide with these, so a refusal means the same thing wherever it is made.
import { isoWeekOf, isWeekKey } from './budget-week.js';

/** What a world has spent in one ISO week. */
export interface WeekLedger {
  week: string;
  spentUsd: number;
  inputTokens: number;
  outputTokens: number;
  calls: number;
}

/** `ok`: under the escalation share; `escalate`: at or past it (the human GM queue); `exhausted`: at or past the budget (no LLM call). */
export type BudgetLevel = 'ok' | 'escalate' | 'exhausted';

/** A world's budget as its actor answers it. */
export interface WorldStatus {
  world: string;
  week: string;
  spentUsd: number;
  /** null: the world has no weekly budget. */
  limitUsd: number | null;
  /** The level of spend and holds together (budget-holds.ts). */
  level: BudgetLevel;
  /** What turns in flight hold (absent: nothing). */
  heldUsd?: number;
}

export function emptyLedger(nowMs: number): WeekLedger {
  return { week: isoWeekOf(nowMs), spentUsd: 0, inputTokens: 0, outputTokens: 0, calls: 0 };
}

/**
 * The ledger for the week holding `nowMs`: the same one, or a fresh one when the week rolled over
 * (or what was read back is not a ledger: a store is not trusted).
 */
export function currentLedger(ledger: unknown, nowMs: number): WeekLedger {
  const l = ledger as Partial<WeekLedger> | null | undefined;
  const week = isoWeekOf(nowMs);
  const n = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  if (l === null || typeof l !== 'object' || !isWeekKey(l.week) || l.week !== week || !n(l.spentUsd) || !n(l.inputTokens) || !n(l.outputTokens) || !n(l.calls)) return emptyLedger(nowMs);
  return l as WeekLedger;
}

/** A spend the caller counted (negative, NaN or absurd values count as 0: a spend never lowers a ledger). */
export interface Spend {
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  calls: number;
}

const MAX_SPEND_USD = 1_000_000;
const MAX_TOKENS = 1e12;

function clamp(v: unknown, max: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.min(v, max) : 0;
}

/** Adds a spend to the ledger of `nowMs`'s week (rolled over first if needed); returns that ledger. */
export function addSpend(ledger: unknown, nowMs: number, spend: Spend): WeekLedger {
  const l = currentLedger(ledger, nowMs);
  l.spentUsd += clamp(spend.costUsd, MAX_SPEND_USD);
  l.inputTokens += clamp(spend.inputTokens, MAX_TOKENS);
  l.outputTokens += clamp(spend.outputTokens, MAX_TOKENS);
  l.calls += Math.floor(clamp(spend.calls, 1_000));
  return l;
}

/** The level `spentUsd` puts a budget of `limitUsd` at (no limit: always ok). */
export function levelOf(spentUsd: number, limitUsd: number | null | undefined, escalateAt: number): BudgetLevel {
  if (limitUsd === null || limitUsd === undefined) return 'ok';
  if (spentUsd >= limitUsd) return 'exhausted';
  if (spentUsd >= limitUsd * escalateAt) return 'escalate';
  return 'ok';
}

/** The total cost in a session's usage records (`state.usage`), read defensively. */
export function sessionSpentUsd(usage: unknown): number {
  if (usage === null || typeof usage !== 'object') return 0;
  let total = 0;
  for (const u of Object.values(usage as Record<string, { costUsd?: unknown }>)) total += clamp(u?.costUsd, MAX_SPEND_USD);
  return total;
}

/**
 * What a session's next turn may do, from the session's own spend and its world's status:
 * `llm` (the configured chain), `offline` (the offline narrator), `hold` (wait for a human GM), or
 * a refusal (`session` ceiling or `world` budget reached: no LLM call).
 */
export type TurnVerdict = 'llm' | 'offline' | 'hold' | 'refuse-session' | 'refuse-world';

export function verdictOf(opts: { sessionSpentUsd: number; sessionUsd?: number; world: WorldStatus | null; policy: 'offline' | 'wait' }): TurnVerdict {
  if (opts.sessionUsd !== undefined && opts.sessionSpentUsd >= opts.sessionUsd) return 'refuse-session';
  const level = opts.world?.level ?? 'ok';
  if (level === 'exhausted') return 'refuse-world';
  if (level === 'escalate') return opts.policy === 'wait' ? 'hold' : 'offline';
  return 'llm';
}
