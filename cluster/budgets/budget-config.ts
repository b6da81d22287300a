// What a node's budgets are configured with: an object (validated by `budgetLimits`, also after the
// structured clone that takes it to a worker) or the environment (`budgetLimitsFromEnv`). Bad
// values fail with GLASS_ERR_INVALID_OPTION naming the variable. Nothing set: no limits (the
// metrics are still kept).
import { BUDGET_POLICIES, MAX_WORLD_ENTRIES, WORLD_PATTERN, type BudgetLimits, type BudgetPolicy, type WorldLimits } from '../../actors/index.js';
import { ErrorCodes, GlassError } from '../../runtime/index.js';

const MAX_USD = 1_000_000_000;

function invalid(variable: string, expectation: string, shown?: unknown): GlassError {
  const received = shown === undefined ? '' : ` (received ${typeof shown === 'string' ? JSON.stringify(shown.slice(0, 80)) : typeof shown})`;
  return new GlassError(ErrorCodes.INVALID_OPTION, `${variable} must be ${expectation}${received}`, { option: variable });
}

function usdOf(variable: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d{1,12}(\.\d{1,9})?$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > MAX_USD) throw invalid(variable, `an amount in USD from 0 to ${MAX_USD}`, value);
  return n;
}

function policyOf(variable: string, value: unknown): BudgetPolicy {
  if (!(BUDGET_POLICIES as readonly unknown[]).includes(value)) throw invalid(variable, `one of ${BUDGET_POLICIES.join(', ')}`, value);
  return value as BudgetPolicy;
}

function ratioOf(variable: string, value: unknown): number {
  const n = typeof value === 'string' && /^\d(\.\d{1,6})?$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0 || n > 1) throw invalid(variable, 'a share above 0 and at most 1 (e.g. 0.85)', value);
  return n;
}

export interface BudgetConfigInput {
  sessionUsd?: unknown;
  worldWeeklyUsd?: unknown;
  policy?: unknown;
  escalateAt?: unknown;
  /** World → { weeklyUsd?, policy? }: overrides for some worlds. */
  worlds?: unknown;
}

/** Validated limits from an object; `names` maps its keys to the variables errors should name. */
export function budgetLimits(input: BudgetConfigInput | BudgetLimits = {}, names: Partial<Record<string, string>> = {}): BudgetLimits {
  if (input === null || typeof input !== 'object') throw invalid('budget', 'an object');
  const n = (key: string): string => names[key] ?? `budget.${key}`;
  // Accept both the input shape and an already resolved BudgetLimits (a clone of one reaching a worker).
  const o = input as Record<string, unknown>;
  const resolved = o.world as Partial<WorldLimits> | undefined;
  const sessionUsd = usdOf(n('sessionUsd'), o.sessionUsd);
  const policy = policyOf(n('policy'), o.policy ?? resolved?.policy ?? 'offline');
  const weeklyUsd = usdOf(n('worldWeeklyUsd'), o.worldWeeklyUsd ?? resolved?.weeklyUsd);
  const escalateAt = ratioOf(n('escalateAt'), o.escalateAt ?? 0.85);
  const worldsIn = o.worlds ?? {};
  if (worldsIn === null || typeof worldsIn !== 'object' || Array.isArray(worldsIn)) throw invalid(n('worlds'), 'an object of world → { weeklyUsd, policy }');
  const entries = Object.entries(worldsIn as Record<string, unknown>);
  if (entries.length > MAX_WORLD_ENTRIES) throw invalid(n('worlds'), `at most ${MAX_WORLD_ENTRIES} worlds`);
  const worlds: Record<string, WorldLimits> = Object.create(null);
  for (const [world, v] of entries) {
    if (!WORLD_PATTERN.test(world)) throw invalid(n('worlds'), 'keyed by world names (a-z, 0-9, _ -, at most 40)', world);
    const w = (v ?? {}) as Record<string, unknown>;
    if (typeof w !== 'object') throw invalid(n('worlds'), `${world}: an object`);
    const wUsd = usdOf(`${n('worlds')}.${world}`, w.weeklyUsd);
    worlds[world] = { ...(wUsd !== undefined && { weeklyUsd: wUsd }), policy: policyOf(`${n('worlds')}.${world}`, w.policy ?? policy) };
  }
  return {
    ...(sessionUsd !== undefined && { sessionUsd }),
    escalateAt,
    world: { ...(weeklyUsd !== undefined && { weeklyUsd }), policy },
    worlds: { ...worlds },
  };
}

/**
 * From the environment: GLASS_BUDGET_SESSION_USD, GLASS_BUDGET_WORLD_WEEKLY_USD,
 * GLASS_BUDGET_POLICY (offline | wait), GLASS_BUDGET_ESCALATE_AT (0.85), and
 * GLASS_BUDGET_WORLDS ("saga=20:wait,dev=1": per-world weekly budget and policy).
 */
export function budgetLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): BudgetLimits {
  const set = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const worldsRaw = set(env.GLASS_BUDGET_WORLDS);
  let worlds: Record<string, { weeklyUsd?: string; policy?: string }> | undefined;
  if (worldsRaw !== undefined) {
    worlds = {};
    const parts = worldsRaw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (parts.length > MAX_WORLD_ENTRIES) throw invalid('GLASS_BUDGET_WORLDS', `at most ${MAX_WORLD_ENTRIES} worlds`);
    for (const part of parts) {
      const m = /^([a-z0-9][a-z0-9_-]{0,39})=(\d{1,12}(?:\.\d{1,9})?)?(?::([a-z]+))?$/.exec(part);
      if (m === null || (m[2] === undefined && m[3] === undefined)) throw invalid('GLASS_BUDGET_WORLDS', '"world=usd[:policy],…" (e.g. saga=20:wait,dev=1)', part);
      worlds[m[1]!] = { ...(m[2] !== undefined && { weeklyUsd: m[2] }), ...(m[3] !== undefined && { policy: m[3] }) };
    }
  }
  return budgetLimits(
    { sessionUsd: set(env.GLASS_BUDGET_SESSION_USD), worldWeeklyUsd: set(env.GLASS_BUDGET_WORLD_WEEKLY_USD), policy: set(env.GLASS_BUDGET_POLICY), escalateAt: set(env.GLASS_BUDGET_ESCALATE_AT), worlds },
    { sessionUsd: 'GLASS_BUDGET_SESSION_USD', worldWeeklyUsd: 'GLASS_BUDGET_WORLD_WEEKLY_USD', policy: 'GLASS_BUDGET_POLICY', escalateAt: 'GLASS_BUDGET_ESCALATE_AT', worlds: 'GLASS_BUDGET_WORLDS' },
  );
}
