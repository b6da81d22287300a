// `budget:<world>`: one actor per world holds the world's spend for the current ISO week, so every
// session of the world — on any worker of any node — counts against the same figure (the actor
// lives where the placement puts its id, like any other). A session reserves before an LLM call
// (`reserve`: a hold of what one call costs on average this week, counted against the budget until
// the call's `spend` replaces it or a `release` says no call was made), so sessions deciding at the
// same moment see each other; `check` reads where the world stands. The week rolls over on its own clock.
import { GlassError, ErrorCodes } from '../../runtime/index.js';
import { defineActor, type ActorContext } from '../define-actor.js';
import { addSpend, currentLedger, levelOf, type WeekLedger, type WorldStatus } from './budget-ledger.js';
import { addHold, heldUsd, holdEstimateUsd, liveHolds, type BudgetHolds } from './budget-holds.js';
import { BUDGET_SERVICE, limitsOfWorld, NO_BUDGET_LIMITS, WORLD_PATTERN, type BudgetLimits, type BudgetService } from './budget-limits.js';

export interface BudgetState {
  ledger?: WeekLedger;
  /** The week before the current one, for the ops view after a rollover. */
  last?: { week: string; spentUsd: number };
  /** LLM turns in flight, by `session:turn` (budget-holds.ts). */
  holds?: BudgetHolds;
}

/** `reserve`'s answer: the world's status with this turn's hold counted, and whether it was taken. */
export type Reservation = WorldStatus & { reserved: boolean };

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
    /** Where the world stands this week, what is in flight counted. */
    check(ctx, _msg: { session: string }): WorldStatus {
      return statusOf(ctx, ledgerNow(ctx), heldUsd(liveHolds(ctx.state.holds, ctx.now())));
    },

    /**
     * Before an LLM call: the world's level with one more call's estimate on top of what is spent
     * and held. Under the escalation share the hold is taken and the call may go; otherwise nothing
     * is held and the level says why not.
     */
    reserve(ctx, msg: { session: string; turn: number }): Reservation {
      const ledger = ledgerNow(ctx);
      const now = ctx.now();
      const key = holdKey(msg);
      const holds = liveHolds(ctx.state.holds, now);
      delete holds[key]; // asked again for the same turn: one hold
      const held = heldUsd(holds);
      const estimate = holdEstimateUsd(ledger.spentUsd, ledger.calls);
      const status = statusOf(ctx, ledger, held, estimate);
      const reserved = status.limitUsd !== null && status.level === 'ok';
      if (!reserved) return setHolds(ctx, holds), { ...status, reserved };
      addHold(holds, key, estimate, now);
      setHolds(ctx, holds);
      return { ...statusOf(ctx, ledger, held + estimate), level: status.level, reserved };
    },

    /** No LLM call was made for a reserved turn: its hold goes. */
    release(ctx, msg: { session: string; turn: number }): WorldStatus {
      const holds = liveHolds(ctx.state.holds, ctx.now());
      delete holds[holdKey(msg)];
      setHolds(ctx, holds);
      return statusOf(ctx, ledgerNow(ctx), heldUsd(holds));
    },

    /** After a call: its cost counts against this week (the week the actor's clock is in), and replaces its turn's hold. */
    spend(ctx, msg: { session: string; turn?: number; costUsd: number; inputTokens: number; outputTokens: number; calls: number }): WorldStatus {
      const before = ctx.state.ledger;
      const ledger = addSpend(before, ctx.now(), msg);
      if (before !== undefined && before !== ledger && before.week !== ledger.week) ctx.state.last = { week: before.week, spentUsd: before.spentUsd };
      ctx.state.ledger = ledger;
      const holds = liveHolds(ctx.state.holds, ctx.now());
      if (typeof msg.turn === 'number') delete holds[holdKey({ session: msg.session, turn: msg.turn })];
      setHolds(ctx, holds);
      const status = statusOf(ctx, ledger, heldUsd(holds));
      budgetServiceOf(ctx)?.report({ type: 'world', world: status.world, week: status.week, spentUsd: status.spentUsd, limitUsd: status.limitUsd });
      return status;
    },

    status(ctx, _msg: {}): WorldStatus & { last?: { week: string; spentUsd: number } } {
      const status = statusOf(ctx, ledgerNow(ctx), heldUsd(liveHolds(ctx.state.holds, ctx.now())));
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

/**
 * The world's status with `held` in flight. Its level is that of the spend and the holds; a call
 * whose estimate (`extraUsd`) would take them past the budget reads as escalated: no LLM call is
 * made, the session goes on as its policy says at 85 % (offline, or held for a human GM).
 */
function statusOf(ctx: Ctx, ledger: WeekLedger, held = 0, extraUsd = 0): WorldStatus {
  const world = ctx.self.id;
  if (!WORLD_PATTERN.test(world)) throw new GlassError(ErrorCodes.INVALID_MESSAGE, 'a budget actor is named by a world (a-z, 0-9, _ -, at most 40)');
  const limits = limitsOf(ctx);
  const limitUsd = limitsOfWorld(limits, world).weeklyUsd ?? null;
  const status: WorldStatus = { world, week: ledger.week, spentUsd: ledger.spentUsd, limitUsd, level: levelOf(ledger.spentUsd + held, limitUsd, limits.escalateAt), ...heldField(held) };
  if (status.level === 'ok' && limitUsd !== null && extraUsd > 0 && ledger.spentUsd + held + extraUsd > limitUsd) status.level = 'escalate';
  return status;
}

function heldField(usd: number): { heldUsd?: number } {
  return usd > 0 ? { heldUsd: usd } : {};
}

function holdKey(msg: { session: unknown; turn: unknown }): string {
  if (typeof msg.session !== 'string' || msg.session.length === 0 || msg.session.length > 200 || !Number.isSafeInteger(msg.turn)) {
    throw new GlassError(ErrorCodes.INVALID_MESSAGE, 'a reservation names its session and turn');
  }
  return `${msg.session}:${msg.turn as number}`;
}

function setHolds(ctx: Ctx, holds: BudgetHolds): void {
  if (Object.keys(holds).length > 0) ctx.state.holds = holds;
  else delete ctx.state.holds;
}
