// What a node's budgets are configured with, as the actors see it (worker-safe data; parsed and
// validated in cluster/budgets/budget-config.ts). A session belongs to one world; a world's weekly
// budget is shared by all its sessions, on every worker and node (the `budget:<world>` actor).

/** What a session does once its world has spent `escalateAt` of its week: narrate offline, or hold turns for a human GM. */
export const BUDGET_POLICIES = ['offline', 'wait'] as const;
export type BudgetPolicy = (typeof BUDGET_POLICIES)[number];

/** The world a session belongs to when its creating join names none. */
export const DEFAULT_WORLD = 'default';
/** A world name: what a join may give (checked again by the session). */
export const WORLD_PATTERN = /^[a-z0-9][a-z0-9_-]{0,39}$/;

export interface WorldLimits {
  /** USD a world may spend per ISO week (UTC); undefined: no weekly budget. */
  weeklyUsd?: number;
  policy: BudgetPolicy;
}

export interface BudgetLimits {
  /** USD one session may spend over its life; undefined: no ceiling. */
  sessionUsd?: number;
  /** The share of the weekly budget at which sessions escalate to the human GM queue (0.85). */
  escalateAt: number;
  /** Every world's limits unless `worlds` names it. */
  world: WorldLimits;
  /** Per-world limits (bounded: MAX_WORLD_ENTRIES). */
  worlds: Readonly<Record<string, WorldLimits>>;
}

export const MAX_WORLD_ENTRIES = 100;

export const NO_BUDGET_LIMITS: BudgetLimits = Object.freeze({ escalateAt: 0.85, world: Object.freeze({ policy: 'offline' as const }), worlds: Object.freeze({}) });

export function limitsOfWorld(limits: BudgetLimits, world: string): WorldLimits {
  return Object.hasOwn(limits.worlds, world) ? limits.worlds[world]! : limits.world;
}

/** The node service (NodeOptions.services.budget) the session and budget actors read their limits from and report to. */
export const BUDGET_SERVICE = 'budget';

/** What the metrics side of the node hears (a worker posts it to the main thread; never blocks a turn). */
export type BudgetReport =
  | { type: 'usage'; session: string; world: string; provider: string; model: string; inputTokens: number; outputTokens: number; costUsd: number }
  | { type: 'world'; world: string; week: string; spentUsd: number; limitUsd: number | null }
  | { type: 'gm-queue'; depth: number; open: number; escalated?: { session: string; world: string; reason: string } };

export interface BudgetService {
  readonly limits: BudgetLimits;
  report(report: BudgetReport): void;
}
