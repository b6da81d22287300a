// What a session keeps: its saved state and the limits on it. The actor (session-actor.ts) and the
// seams of a turn read these; nothing here does anything.
import type { AuditRef } from '../override-command.js';
import type { ArchiveMark } from '../archive-page.js';
import type { SpillPolicy } from '../archive-spill.js';
import type { PendingWorkflows } from '../workflow-starts.js';
import type { SessionBudget } from './budget-gate.js';
import type { CheckResult } from './rules.js';
import type { Scene } from './scene.js';
import type { SessionAccess } from './session-events.js';
import type { CancelledTurn } from './turn-preemption.js';

export const SESSION_TRANSCRIPT_LIMIT = 500;
/** Turns past the limit go to the archive 100 at a time (actors/archive-spill.ts). */
export const SESSION_SPILL: SpillPolicy = { kind: 'session', limit: SESSION_TRANSCRIPT_LIMIT, chunk: 100, maxBehind: 500 };
/** Turns that may wait behind the running one; past it a turn is refused (GLASS_ERR_TURN_QUEUE_FULL). */
export const SESSION_TURN_QUEUE_LIMIT = 8;
/** The most recent transcript entries a join (or resync) is given. */
export const SESSION_JOIN_TRANSCRIPT = 50;

export interface Turn {
  turn: number;
  player: string;
  text: string;
  at: number;
  /** Seq of the event that committed (or failed) it, or of the `narrate` that added it. */
  seq?: number;
  /** The text was removed by a moderator. */
  redacted?: true;
  /** Game-master narration injected by a moderator. */
  narration?: true;
  /** The audit ref of the `narrate` that added it. */
  audit?: AuditRef;
  /** The narration that answered the turn. */
  narrated?: string;
  checks?: CheckResult[];
  provider?: string;
  /** The turn's run failed: no narration. */
  failed?: { code: string; message: string };
  /** The checks of a turn failed by GLASS_ERR_RULES_TIMEOUT, rolled later by its checkRunner workflow (late-checks.ts); `seq` of their `turn-checks`. */
  lateChecks?: { seq: number; checks: CheckResult[] };
}

/** What moderators set on a session; saved with it. */
export interface SessionModeration {
  /** Muted player → id of the audit row that muted it. */
  muted: Record<string, number>;
  paused: boolean;
}

/** A turn accepted and not yet run. */
export interface QueuedTurn {
  turn: number;
  player: string;
  text: string;
  at: number;
}

/** The turn being run: saved, so that a session whose worker died resumes it. */
export interface RunningTurn extends QueuedTurn {
  /** Seq of its `turn-started`. */
  seq: number;
}

/** Tokens and cost so far, per provider. */
export type SessionUsage = Record<string, { calls: number; inputTokens: number; outputTokens: number; costUsd: number }>;

export interface SessionState extends PendingWorkflows {
  /** Number of turns given out (player turns and moderators' narrations; never decreases). */
  turn: number;
  /** The most recent turns, oldest first; older ones leave memory (the archive issue keeps them). */
  transcript: Turn[];
  /** Absent in sessions saved before any override. */
  moderation?: SessionModeration;
  /** Set by the join that created the session. */
  created?: true;
  /** Player → node of the gateway holding it. */
  members: Record<string, string>;
  access?: SessionAccess;
  creator?: string;
  invited?: string[];
  /** Seq of the last event sent to members. */
  seq: number;
  /** Accepted turns waiting, in arrival order (at most SESSION_TURN_QUEUE_LIMIT). */
  queue: QueuedTurn[];
  running?: RunningTurn;
  scene?: Scene;
  /** The committed turn `scene` is the result of (absent in sessions saved before the scene cache). */
  sceneTurn?: number;
  usage?: SessionUsage;
  /** The world whose weekly budget the session spends (set by the creating join; absent: DEFAULT_WORLD). */
  world?: string;
  budget?: SessionBudget;
  /** The last turns a moderator pre-empted (turn-preemption.ts), for resumes. */
  cancelled?: CancelledTurn[];
  /** How far the transcript went to the archive (absent: none yet). */
  archive?: ArchiveMark;
}
