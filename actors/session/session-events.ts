// What a session sends its members' gateways. Each event is already the server frame a member's
// socket gets (the gateway publishes it as is): one shape, one place. Every event carries the
// session's `seq`, one counter per session, saved with its state.
import type { AuditRef, OverrideCommandName } from '../override-command.js';
import type { NarrationFailureReason } from './narrator.js';
import type { CheckResult } from './rules.js';

/** Who may join: anyone (`open`), or the creator, invited players and moderators (`invite`). */
export type SessionAccess = 'open' | 'invite';
export const SESSION_ACCESS: readonly SessionAccess[] = ['open', 'invite'];

/** One chunk of the running turn's narration, as a late joiner or a resuming player is given it. */
export interface NarrationChunk {
  seq: number;
  /** The narration attempt within the turn: 0, then +1 at each degraded restart. */
  part: number;
  index: number;
  text: string;
}

/** The turn being narrated: what `session-joined` and a resync carry. */
export interface RunningTurnView {
  turn: number;
  player: string;
  text: string;
  /** Seq of its `turn-started`. */
  seq: number;
  /** The chunks sent so far (of the current part), oldest first; bounded. */
  chunks: NarrationChunk[];
}

export type SessionEvent =
  | { type: 'session-presence'; session: string; seq: number; joined?: string; left?: string; members: string[]; count?: number }
  | { type: 'turn-started'; session: string; seq: number; turn: number; player: string; text: string }
  | { type: 'narration'; session: string; seq: number; turn: number; part: number; index: number; text: string }
  | { type: 'narration-degraded'; session: string; seq: number; turn: number; part: number; from: string; to: string; reason: NarrationFailureReason; restart: boolean }
  | { type: 'turn-committed'; session: string; seq: number; turn: number; player: string; narration: string; checks: CheckResult[]; provider: string; degraded?: { from: string; reason: string }; ms?: number }
  | { type: 'turn-failed'; session: string; seq: number; turn: number; player: string; code: string; message: string; ms?: number }
  /** The checks of a turn that failed by overrunning its rules deadline, rolled afterwards by its checkRunner workflow. */
  | { type: 'turn-checks'; session: string; seq: number; turn: number; player: string; checks: CheckResult[] }
  /** The turn waits for a human GM (its world is past the budget's escalation share, policy `wait`): a moderator's `narrate` answers it. */
  | { type: 'turn-held'; session: string; seq: number; turn: number; player: string; reason: 'budget' }
  | { type: 'turn-cancelled'; session: string; seq: number; turn: number; player: string; reason: TurnCancelReason; audit: AuditRef }
  | SessionModeratedEvent;

/** The overrides that stop a running turn: the `reason` of its `turn-cancelled` (actors/session/turn-preemption.ts). */
export const TURN_CANCEL_REASONS = ['pause', 'redact', 'narrate'] as const;
export type TurnCancelReason = (typeof TURN_CANCEL_REASONS)[number];

/** An override applied to a session, to every member (`turn`: the redacted turn, or the one a narrate added). */
export interface SessionModeratedEvent {
  type: 'session-moderated';
  session: string;
  seq: number;
  command: OverrideCommandName;
  audit: AuditRef;
  player?: string;
  turn?: number;
  text?: string;
  reason?: string;
}

/** The message a gateway endpoint receives from a session. */
export interface SessionDelivery {
  type: 'session-event';
  event: SessionEvent;
}

/** What a session's `resume` answers: the missed events in order, or (`resync` says why) its current state. */
export type SessionResumeReply =
  | { resync: null; members: string[]; events: SessionEvent[]; seq: number; access: SessionAccess }
  | { resync: 'window' | 'gap' | 'unknown'; members: string[]; transcript: unknown[]; running?: RunningTurnView; seq: number; access: SessionAccess };
