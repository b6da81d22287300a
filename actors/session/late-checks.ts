// The checks of a turn that overran its rules deadline (GLASS_ERR_RULES_TIMEOUT), rolled afterwards
// by its `checkRunner` workflow (session-workflows.ts) and brought back here as the workflow's
// result: attached to the failed turn in the transcript and told to the members as `turn-checks`
// (replayed by a resume like any event). The result crossed Temporal or another thread: its shape
// is checked, and what is not a list of checks is dropped.
import type { ActorContext } from '../define-actor.js';
import { RulesErrors } from '../actor-errors.js';
import type { WorkflowStart } from '../../runtime/index.js';
import type { CheckOutcome, CheckResult } from './rules.js';
import type { SessionEvent } from './session-events.js';
import { broadcast } from './session-members.js';
import type { SessionState, Turn } from './session-state.js';

/** Checks a late result may carry (the check model rolls far fewer). */
export const MAX_LATE_CHECKS = 16;
const OUTCOMES: readonly CheckOutcome[] = ['critical-success', 'success', 'failure', 'critical-failure'];

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The checks of a checkRunner result (`{ results: CheckResult[] }`), or null when it is not one. */
export function lateChecksOf(result: unknown): CheckResult[] | null {
  const results = (result as { results?: unknown } | null)?.results;
  if (!Array.isArray(results) || results.length > MAX_LATE_CHECKS) return null;
  const checks: CheckResult[] = [];
  for (const r of results as Partial<CheckResult>[]) {
    if (r === null || typeof r !== 'object' || typeof r.skill !== 'string' || r.skill.length === 0 || r.skill.length > 64) return null;
    if (!finite(r.roll) || !finite(r.modifier) || !finite(r.total) || !finite(r.difficulty) || !OUTCOMES.includes(r.outcome as CheckOutcome)) return null;
    checks.push({ skill: r.skill, roll: r.roll, modifier: r.modifier, total: r.total, difficulty: r.difficulty, outcome: r.outcome as CheckOutcome });
  }
  return checks;
}

/**
 * A checkRunner's result reached the session: the failed turn it names gets its checks, once
 * (a second result — a redelivery — changes nothing). A turn no longer in the hot transcript
 * (archived) is left as it is. Returns whether the transcript changed.
 */
export function applyLateChecks(ctx: ActorContext<SessionState>, start: WorkflowStart, result: unknown): boolean {
  if (start.type !== 'checkRunner') return false;
  const turn = (start.input as { turn?: unknown } | null)?.turn;
  const checks = lateChecksOf(result);
  if (checks === null || !Number.isSafeInteger(turn)) return false;
  const transcript = ctx.state.transcript;
  const i = transcript.findIndex((t) => t.turn === turn && t.failed?.code === RulesErrors.TIMEOUT);
  if (i < 0 || transcript[i].lateChecks !== undefined) return false;
  const seq = ++ctx.state.seq;
  // Turns are frozen (stores reuse their JSON): replaced, never edited.
  transcript[i] = Object.freeze({ ...transcript[i], lateChecks: { seq, checks } });
  const t = transcript[i];
  broadcast(ctx, { type: 'turn-checks', session: ctx.self.id, seq, turn: t.turn, player: t.player, checks });
  return true;
}

/** The `turn-checks` of `transcript` after `after`, for a resuming member. */
export function lateChecksSince(session: string, transcript: readonly Turn[], after: number): SessionEvent[] {
  const events: SessionEvent[] = [];
  for (const t of transcript) {
    const late = t.lateChecks;
    if (late !== undefined && late.seq > after) events.push({ type: 'turn-checks', session, seq: late.seq, turn: t.turn, player: t.player, checks: late.checks });
  }
  return events;
}
