// What budgets do to a session's turns (docs/BUDGETS.md). Before the run calls a narrator, the gate
// asks the session's world (`budget:<world>`) where it stands and decides with the session's own
// spend: the configured chain, the offline narrator, a hold for a human GM, or a typed refusal —
// never an LLM call past a budget. After the run, its cost counts against the world's week. The
// session actor calls these from a line or two of its handlers; the state they touch is `budget`.
import { ErrorCodes, GlassError, type Address } from '../../runtime/index.js';
import { BudgetErrors, NarrationErrors } from '../actor-errors.js';
import type { ActorContext } from '../define-actor.js';
import { budgetServiceOf } from '../budget/budget-actor.js';
import { isoWeekOf } from '../budget/budget-week.js';
import { levelOf, sessionSpentUsd, verdictOf, type WorldStatus } from '../budget/budget-ledger.js';
import { DEFAULT_WORLD, limitsOfWorld, NO_BUDGET_LIMITS, WORLD_PATTERN } from '../budget/budget-limits.js';
import { GM_QUEUE_ID } from '../budget/gm-queue-actor.js';
import type { GmQueueReason } from '../budget/gm-queue.js';
import type { NarrationUsage } from './narrator.js';
import { broadcast, type SessionMembership } from './session-members.js';
import type { TurnOutcome, TurnRunner } from './turn.js';

/** What a session keeps of its budget (saved with it). */
export interface SessionBudget {
  /** The session is in the human GM queue, and why. */
  escalated?: GmQueueReason;
  /** The number of the running turn that waits for a human GM (policy `wait`). */
  held?: number;
  /** Its world's budget as last answered. */
  world?: WorldStatus;
}

/** The part of a session's state the gate reads and writes. */
export interface BudgetedSession extends SessionMembership {
  world?: string;
  usage?: unknown;
  budget?: SessionBudget;
  running?: { turn: number; player: string; text: string; at: number; seq: number };
}

type Ctx = ActorContext<BudgetedSession>;

/** The outcome code of a run the gate held: it never leaves the session (the turn is not failed). */
const HELD = 'GLASS_INTERNAL_BUDGET_HELD';
const GM_QUEUE: Address = { kind: 'gm-queue', id: GM_QUEUE_ID };

/** The session's world: set by the join that created it, else the default one. */
export function worldOf(state: { world?: unknown }): string {
  return typeof state.world === 'string' && WORLD_PATTERN.test(state.world) ? state.world : DEFAULT_WORLD;
}

/** The world a join asked for, checked before anything changes (a bad one is refused, not defaulted: the player meant another world). */
export function checkedWorld(world: unknown): string | undefined {
  if (world === undefined) return undefined;
  if (typeof world !== 'string' || !WORLD_PATTERN.test(world)) throw new GlassError(ErrorCodes.INVALID_MESSAGE, 'a world is 1 to 40 of a-z, 0-9, _ and - (starting with a letter or digit)');
  return world;
}

/**
 * At acceptance: a turn the session already knows would be refused is refused now, typed, and not
 * queued (its own ceiling spent; its world's budget spent this week, as last answered).
 */
export function refuseOverBudget(ctx: Ctx): void {
  const service = budgetServiceOf(ctx);
  if (service === null) return;
  const limits = service.limits;
  const state = ctx.state;
  if (limits.sessionUsd !== undefined && sessionSpentUsd(state.usage) >= limits.sessionUsd) {
    throw new GlassError(BudgetErrors.SESSION_EXHAUSTED, `session ${ctx.self.id} has spent its cost ceiling (${limits.sessionUsd} USD)`);
  }
  const w = state.budget?.world;
  const limitUsd = limitsOfWorld(limits, worldOf(state)).weeklyUsd;
  if (w !== undefined && w.week === isoWeekOf(ctx.now()) && limitUsd !== undefined && levelOf(w.spentUsd, limitUsd, limits.escalateAt) === 'exhausted') {
    throw new GlassError(BudgetErrors.EXHAUSTED, `world ${worldOf(state)} has spent its weekly budget (${limitUsd} USD) for ${w.week}`);
  }
}

function refused(code: string, message: string): TurnOutcome {
  return { status: 'failed', code, message, checks: [], usage: [] };
}

/** The LLM spend of a run's usage records (the offline narrator's cost nothing and are not counted). */
function spendOf(usage: readonly NarrationUsage[]): { costUsd: number; inputTokens: number; outputTokens: number; calls: number } {
  const s = { costUsd: 0, inputTokens: 0, outputTokens: 0, calls: 0 };
  for (const u of usage) {
    if (u.provider === 'offline') continue;
    s.costUsd += u.costUsd;
    s.inputTokens += u.inputTokens;
    s.outputTokens += u.outputTokens;
    s.calls++;
  }
  return s;
}

/** The runner a session's turn runs on: the budget gate in front of the node's. */
export function budgetedRunner(ctx: Ctx, runner: TurnRunner): TurnRunner {
  const service = budgetServiceOf(ctx);
  if (service === null) return runner;
  return {
    async run(input, options) {
      // Read now, while the handler that started the run holds the state.
      const state = ctx.state;
      const world = worldOf(state);
      const limits = service.limits;
      const wl = limitsOfWorld(limits, world);
      const spent = sessionSpentUsd(state.usage);
      const worldRef: Address = { kind: 'budget', id: world };
      const told = (status: unknown): void => {
        if (!options.signal.aborted) ctx.tell(ctx.self, { type: 'budget-status', status });
      };
      let status: WorldStatus | null = null;
      // The world's hold for this turn (budget-holds.ts): given back unless a spend replaces it.
      let reserved = false;
      const hold = { session: ctx.self.id, turn: input.turn };
      const release = (): void => {
        if (reserved) ctx.tell(worldRef, { type: 'release', ...hold });
        reserved = false;
      };
      if (wl.weeklyUsd !== undefined) {
        try {
          const reservation = (await ctx.ask(worldRef, { type: 'reserve', ...hold })) as WorldStatus & { reserved?: unknown };
          reserved = reservation.reserved === true;
          status = reservation;
        } catch (err) {
          options.signal.throwIfAborted();
          return refused(BudgetErrors.UNAVAILABLE, `the budget of world ${world} could not be asked (${String((err as { code?: unknown })?.code ?? 'error')})`);
        }
        if (options.signal.aborted) release();
        told(status);
      }
      const verdict = verdictOf({ sessionSpentUsd: spent, ...(limits.sessionUsd !== undefined && { sessionUsd: limits.sessionUsd }), world: status, policy: wl.policy });
      if (verdict !== 'llm') release();
      if (verdict === 'refuse-session') return refused(BudgetErrors.SESSION_EXHAUSTED, `session ${ctx.self.id} has spent its cost ceiling (${limits.sessionUsd} USD)`);
      if (verdict === 'refuse-world') return refused(BudgetErrors.EXHAUSTED, `world ${world} has spent its weekly budget (${wl.weeklyUsd} USD)`);
      if (verdict === 'hold') return refused(HELD, 'the turn waits for a human GM');
      let outcome: TurnOutcome;
      try {
        outcome = await runner.run(verdict === 'offline' ? { ...input, narrator: 'offline' } : input, options);
      } catch (err) {
        release();
        throw err;
      }
      // Players are told why the offline narrator answered (never a silent downgrade).
      if (verdict === 'offline' && outcome.status === 'committed') outcome = { ...outcome, degraded: { from: `budget:${world}`, reason: 'budget' } };
      const spend = spendOf(outcome.usage);
      if (wl.weeklyUsd !== undefined && spend.calls > 0) {
        // Counted before the session hears the outcome: the next turn's check sees it. A spend the
        // world's actor did not take is still in the session's usage (its ceiling and metrics); its
        // hold lapses on the actor's clock.
        try {
          told(await ctx.ask(worldRef, { type: 'spend', ...hold, ...spend }));
        } catch {
          /* counted in the session's own usage only */
        }
      } else {
        release();
      }
      return outcome;
    },
  };
}

function validStatus(s: unknown): s is WorldStatus {
  const w = s as Partial<WorldStatus> | null;
  return w !== null && typeof w === 'object' && typeof w.world === 'string' && typeof w.week === 'string' && typeof w.spentUsd === 'number' && (w.limitUsd === null || typeof w.limitUsd === 'number') && (w.level === 'ok' || w.level === 'escalate' || w.level === 'exhausted');
}

/** `budget-status` (from the gate): keep the world's figure; join or leave the GM queue as it says. */
export function onBudgetStatus(ctx: Ctx, msg: { status: unknown }): void {
  if (!validStatus(msg.status)) return;
  const s = msg.status;
  const b = (ctx.state.budget ??= {});
  b.world = s;
  const policy = limitsOfWorld(budgetServiceOf(ctx)?.limits ?? NO_BUDGET_LIMITS, worldOf(ctx.state)).policy;
  if (s.level !== 'ok') {
    const holding = policy === 'wait' && s.level === 'escalate';
    if (b.escalated !== 'budget') {
      b.escalated = 'budget';
      ctx.tell(GM_QUEUE, { type: 'escalate', session: ctx.self.id, world: s.world, reason: 'budget', holding, spentUsd: s.spentUsd, limitUsd: s.limitUsd });
    }
  } else if (b.escalated === 'budget') {
    delete b.escalated;
    ctx.tell(GM_QUEUE, { type: 'resolve', session: ctx.self.id, reason: 'budget' });
  }
}

/** `turn-finished`: true when the gate held the turn (it stays the running turn, waiting for a human GM's `narrate`). */
export function holdsTurn(ctx: Ctx, turn: number, outcome: TurnOutcome): boolean {
  if (outcome.status !== 'failed' || outcome.code !== HELD) return false;
  const b = (ctx.state.budget ??= {});
  if (b.held === turn) return true;
  b.held = turn;
  const r = ctx.state.running!;
  broadcast(ctx, { type: 'turn-held', session: ctx.self.id, seq: ++ctx.state.seq, turn, player: r.player, reason: 'budget' });
  return true;
}

/** A moderator's `narrate`: the held turn, if any, which that narration answers (taken off `running`). */
export function releaseHeld<R extends { turn: number }>(ctx: ActorContext<BudgetedSession & { running?: R }>): R | undefined {
  const state = ctx.state;
  const r = state.running;
  if (r === undefined || state.budget?.held !== r.turn) return undefined;
  delete state.budget.held;
  state.running = undefined;
  return r;
}

/**
 * After a commit: the cost goes to the node's metrics; a turn every narrator failed puts the session
 * in the GM queue (`outage`), and one a provider narrated takes it out.
 */
export function afterCommit(ctx: Ctx, outcome: TurnOutcome): void {
  const service = budgetServiceOf(ctx);
  const world = worldOf(ctx.state);
  if (service !== null) {
    for (const u of outcome.usage) service.report({ type: 'usage', session: ctx.self.id, world, provider: u.provider, model: u.model, inputTokens: u.inputTokens, outputTokens: u.outputTokens, costUsd: u.costUsd });
  }
  const b = ctx.state.budget;
  if (outcome.status === 'failed' && outcome.code === NarrationErrors.UNAVAILABLE) {
    if (b?.escalated === undefined) {
      (ctx.state.budget ??= {}).escalated = 'outage';
      ctx.tell(GM_QUEUE, { type: 'escalate', session: ctx.self.id, world, reason: 'outage', holding: false });
    }
  } else if (outcome.status === 'committed' && outcome.provider !== 'offline' && b?.escalated === 'outage') {
    delete b.escalated;
    ctx.tell(GM_QUEUE, { type: 'resolve', session: ctx.self.id, reason: 'outage' });
  }
}
