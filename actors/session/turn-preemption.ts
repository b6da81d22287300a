// A moderator's override pre-empts the running turn. `pause`, `redact` and `narrate` stop it: its
// run is aborted (the graph's AbortSignal; the narrator's stream stops with it), nothing it produced
// is committed (not in the transcript; the runner drops its LangGraph thread, see turn-graph.ts),
// and members get `turn-cancelled` before the override's own `session-moderated`. Why these three:
// a pause means "stop now"; a redaction may remove text the running turn's prompt was built from;
// a narration takes the turn's place. The cancelled turn's number is not given out again.
import { GlassError } from '../../runtime/index.js';
import type { ActorContext } from '../define-actor.js';
import type { AuditRef, OverrideCommandName } from '../override-command.js';
import { TURN_CANCEL_REASONS, type SessionEvent, type TurnCancelReason } from './session-events.js';
import { broadcast, type SessionMembership } from './session-members.js';
import { TurnErrors } from './turn.js';
import { abortRun } from './turn-runs.js';

/** The overrides that stop a running turn (the `reason` of its `turn-cancelled`). */
export const PREEMPTING_COMMANDS: readonly TurnCancelReason[] = TURN_CANCEL_REASONS;

/** Cancelled turns a session remembers, so that a resuming member is told of them (oldest leave first). */
export const CANCELLED_TURNS_KEPT = 16;

/** A turn a moderator stopped: saved with the session (bounded), replayed to a resuming member. */
export interface CancelledTurn {
  turn: number;
  player: string;
  /** Seq of its `turn-cancelled`. */
  seq: number;
  reason: TurnCancelReason;
  audit: AuditRef;
}

export type TurnCancelledEvent = Extract<SessionEvent, { type: 'turn-cancelled' }>;

/** The abort reason a pre-empted run sees: the runner drops the turn's checkpoints on it (not on other aborts). */
export class TurnCancelledError extends GlassError {
  constructor(session: string, turn: number, reason: TurnCancelReason) {
    super(TurnErrors.CANCELLED, `turn ${turn} of session ${session} was cancelled by a moderator (${reason})`, { session, turn, reason });
  }
}

/** True when `reason` (an AbortSignal's) is a moderator's cancellation. */
export function isTurnCancelled(reason: unknown): boolean {
  return (reason as { code?: unknown } | null)?.code === TurnErrors.CANCELLED;
}

interface PreemptableState extends SessionMembership {
  running?: { turn: number; player: string; seq: number };
  cancelled?: CancelledTurn[];
}

/**
 * Stops the running turn if `command` pre-empts it: aborts the run, forgets the turn (never
 * committed), records and broadcasts `turn-cancelled`. Returns the event, or undefined when no
 * turn ran or the command lets it run (mute, note…). The caller starts the next queued turn when
 * the session is not paused.
 */
export function preemptRunningTurn(ctx: ActorContext<PreemptableState>, command: OverrideCommandName, audit: AuditRef): TurnCancelledEvent | undefined {
  if (!(PREEMPTING_COMMANDS as readonly string[]).includes(command)) return undefined;
  const state = ctx.state;
  const running = state.running;
  if (running === undefined) return undefined;
  const session = ctx.self.id;
  const reason = command as TurnCancelReason;
  abortRun(session, new TurnCancelledError(session, running.turn, reason));
  state.running = undefined;
  const event: TurnCancelledEvent = { type: 'turn-cancelled', session, seq: ++state.seq, turn: running.turn, player: running.player, reason, audit };
  const kept = (state.cancelled ??= []);
  kept.push({ turn: event.turn, player: event.player, seq: event.seq, reason, audit });
  if (kept.length > CANCELLED_TURNS_KEPT) kept.splice(0, kept.length - CANCELLED_TURNS_KEPT);
  broadcast(ctx, event);
  return event;
}

/** The `turn-cancelled` events after `after` (for a resume's missed events). */
export function cancelledSince(session: string, cancelled: readonly CancelledTurn[] | undefined, after: number): TurnCancelledEvent[] {
  const events: TurnCancelledEvent[] = [];
  for (const c of cancelled ?? []) {
    if (c.seq > after) events.push({ type: 'turn-cancelled', session, seq: c.seq, turn: c.turn, player: c.player, reason: c.reason, audit: c.audit });
  }
  return events;
}
