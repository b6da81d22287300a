// `budget:<world>`: one actor per world holds the world's spend for the current ISO week, so every
// session of the world — on any worker of any node — counts against the same figure (the actor
// lives where the placement puts its id, like any other). Sessions ask it before an LLM call
// (`check`) and tell it what a call cost after (`spend`); the week rolls over on its own clock.
import { GlassError, ErrorCodes } from '../../runtime/index.js';
import { defineActor, type ActorContext } from '../define-actor.js';
import { addSpend, currentLedger, levelOf, type WeekLedger, type WorldStatus } from './budget-ledger.js';
import { BUDGET_SERVICE, limitsOfWorld, NO_BUDGET_LIMITS, WORLD_PATTERN, type BudgetLimits, type BudgetService } from './budget-limits.js';

export interface BudgetState {
  ledger?: WeekLedger;
  /** The week before the current one, for the ops view after a rollover. */
  last?: { week: string; spentUsd: number };
}

type Ctx = ActorContext<BudgetState>;

/** The node's budget service, or none (a node started without it: no limits, no reports). */
export function budgetServiceOf(ctx: { service<T>(name: string): T }): BudgetService | null {
  try {
    return ctx.service<BudgetService>(BUDGET_SERVICE);
  } catch {
    return null;
  }
}

export function limitsOf(ctx: { service<T>(name: string): T }): BudgetLimits {
  return budgetServiceOf(ctx)?.limits ?? NO_BUDGET_LIMITS;
}

export const budget = defineActor({
  kind: 'budget',
  persistence: { save: 'every-message' },
  readOnly: ['check', 'status'],
  initialState: (): BudgetState => ({}),
  handlers: {
    /** Before an LLM call: where the world stands this week. */
    check(ctx, _msg: { session: string }): WorldStatus {
      return statusOf(ctx, ledgerNow(ctx));
    },

    /** After a call: its cost counts against this week (the week the actor's clock is in). */
    spend(ctx, msg: { session: string; costUsd: number; inputTokens: number; outputTokens: number; calls: number }): WorldStatus {
      const before = ctx.state.ledger;
      const ledger = addSpend(before, ctx.now(), msg);
      if (before !== undefined && before !== ledger && before.week !== ledger.week) ctx.state.last = { week: before.week, spentUsd: before.spentUsd };
      ctx.state.ledger = ledger;
      const status = statusOf(ctx, ledger);
      budgetServiceOf(ctx)?.report({ type: 'world', world: status.world, week: status.week, spentUsd: status.spentUsd, limitUsd: status.limitUsd });
      return status;
    },

    status(ctx, _msg: {}): WorldStatus & { last?: { week: string; spentUsd: number } } {
      const status = statusOf(ctx, ledgerNow(ctx));
      return ctx.state.last === undefined ? status : { ...status, last: ctx.state.last };
    },
  },
});

/** This week's ledger without changing the state (a read-only handler): a rolled-over week reads as empty. */
function ledgerNow(ctx: Ctx): WeekLedger {
  const l = ctx.state.ledger;
  const current = currentLedger(l, ctx.now());
  return current === l ? l : current;
}

function statusOf(ctx: Ctx, ledger: WeekLedger): WorldStatus {
  const world = ctx.self.id;
  if (!WORLD_PATTERN.test(world)) throw new GlassError(ErrorCodes.INVALID_MESSAGE, 'a budget actor is named by a world (a-z, 0-9, _ -, at most 40)');
  const limits = limitsOf(ctx);
  const limitUsd = limitsOfWorld(limits, world).weeklyUsd ?? null;
  return { world, week: ledger.week, spentUsd: ledger.spentUsd, limitUsd, level: levelOf(ledger.spentUsd, limitUsd, limits.escalateAt) };
}
