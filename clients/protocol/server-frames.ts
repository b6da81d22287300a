// Server → client frames of protocol v1: what the gateway answers and pushes.
import { z } from 'zod';
import { OVERRIDE_COMMANDS } from '../../actors/override-command.js';
import { TURN_CANCEL_REASONS } from '../../actors/session/session-events.js';
import { AuditRefSchema, IdSchema, RefSchema, RoleSchema, RoomLineSchema, SeqSchema } from './field-schemas.js';
import { PROTOCOL_VERSION } from './protocol-limits.js';
import { GmQueueFrame, TurnHeldFrame } from './budget-frames.js';

export { GmQueueFrame, GmQueueItemSchema, TurnHeldFrame } from './budget-frames.js';

export const WelcomeFrame = z.strictObject({
  type: z.literal('welcome'),
  v: z.literal(PROTOCOL_VERSION),
  player: IdSchema,
  character: IdSchema,
  roles: z.array(RoleSchema),
  node: z.string(),
  /** Unix time (ms) at which the access token expires and the connection is closed (4401). */
  expiresAt: z.number(),
  limits: z.strictObject({
    maxFrameBytes: z.number().int().positive(),
    burst: z.number().int().positive(),
    perSecond: z.number().positive(),
    resumeWindowMs: z.number().int().nonnegative(),
  }),
});
export const JoinedFrame = z.strictObject({
  type: z.literal('joined'),
  room: IdSchema,
  members: z.array(IdSchema),
  history: z.array(RoomLineSchema),
  seq: SeqSchema,
  ref: RefSchema.optional(),
});
export const LeftFrame = z.strictObject({ type: z.literal('left'), room: IdSchema, ref: RefSchema.optional() });
export const SaidFrame = z.strictObject({ type: z.literal('said'), room: IdSchema, line: RoomLineSchema });
/** `joined`/`left` name who changed; neither (a snapshot after skipped presence) means "this is the list now". */
export const PresenceFrame = z.strictObject({
  type: z.literal('presence'),
  room: IdSchema,
  joined: IdSchema.optional(),
  left: IdSchema.optional(),
  /** The first members (at most 50 in a room's presence events: see `count`). */
  members: z.array(IdSchema),
  /** Only in a room of more than 50 members: how many it has (`members` then lists the first 50). */
  count: z.number().int().nonnegative().optional(),
});
/** A turn was queued: its number, and its place (0: it starts now; n: n turns run before it). */
export const TurnAcceptedFrame = z.strictObject({
  type: z.literal('turn-accepted'),
  session: IdSchema,
  turn: z.number().int().positive(),
  position: z.number().int().nonnegative(),
  ref: RefSchema.optional(),
});
const TurnNumber = z.number().int().positive();
const SessionSeq = z.number().int().positive();
export const CheckResultSchema = z.strictObject({
  skill: z.string(),
  roll: z.number().int(),
  modifier: z.number(),
  total: z.number(),
  difficulty: z.number(),
  outcome: z.enum(['critical-success', 'success', 'failure', 'critical-failure']),
});
/** One entry of a session's transcript: a player's turn and what answered it, or a moderator's narration. */
export const TranscriptEntrySchema = z.strictObject({
  turn: TurnNumber,
  player: IdSchema,
  text: z.string(),
  at: z.number(),
  seq: SessionSeq.optional(),
  redacted: z.literal(true).optional(),
  narration: z.literal(true).optional(),
  audit: AuditRefSchema.optional(),
  narrated: z.string().optional(),
  checks: z.array(CheckResultSchema).optional(),
  provider: z.string().optional(),
  failed: z.strictObject({ code: z.string(), message: z.string() }).optional(),
  /** A turn failed by GLASS_ERR_RULES_TIMEOUT: its checks, rolled later by its checkRunner workflow (`seq`: their `turn-checks`). */
  lateChecks: z.strictObject({ seq: SessionSeq, checks: z.array(CheckResultSchema) }).optional(),
});
const ChunkSchema = z.strictObject({ seq: SessionSeq, part: z.number().int().nonnegative(), index: z.number().int().nonnegative(), text: z.string() });
/** The turn being narrated, with its chunks so far (of its current part). */
export const RunningTurnSchema = z.strictObject({ turn: TurnNumber, player: IdSchema, text: z.string(), seq: SessionSeq, chunks: z.array(ChunkSchema) });
const SessionAccessSchema = z.enum(['open', 'invite']);
export const SessionJoinedFrame = z.strictObject({
  type: z.literal('session-joined'),
  session: IdSchema,
  members: z.array(IdSchema),
  seq: SeqSchema,
  transcript: z.array(TranscriptEntrySchema),
  running: RunningTurnSchema.optional(),
  access: SessionAccessSchema,
  ref: RefSchema.optional(),
});
export const SessionLeftFrame = z.strictObject({ type: z.literal('session-left'), session: IdSchema, ref: RefSchema.optional() });
export const InvitedFrame = z.strictObject({ type: z.literal('invited'), session: IdSchema, player: IdSchema, ref: RefSchema.optional() });
export const SessionPresenceFrame = z.strictObject({
  type: z.literal('session-presence'),
  session: IdSchema,
  seq: SessionSeq,
  joined: IdSchema.optional(),
  left: IdSchema.optional(),
  members: z.array(IdSchema),
  count: z.number().int().nonnegative().optional(),
});
export const TurnStartedFrame = z.strictObject({ type: z.literal('turn-started'), session: IdSchema, seq: SessionSeq, turn: TurnNumber, player: IdSchema, text: z.string() });
/** A chunk of a turn's narration: (turn, part, index) names it; a client drops one it already has. */
export const NarrationFrame = z.strictObject({
  type: z.literal('narration'),
  session: IdSchema,
  seq: SessionSeq,
  turn: TurnNumber,
  part: z.number().int().nonnegative(),
  index: z.number().int().nonnegative(),
  text: z.string(),
});
/** A narrator failed and another took over; `restart`: the chunks so far are void, part `part` starts at index 0. */
export const NarrationDegradedFrame = z.strictObject({
  type: z.literal('narration-degraded'),
  session: IdSchema,
  seq: SessionSeq,
  turn: TurnNumber,
  part: z.number().int().nonnegative(),
  from: z.string(),
  to: z.string(),
  reason: z.enum(['error', 'rate-limited', 'timeout', 'slow-first-token', 'stream-cut', 'refused']),
  restart: z.boolean(),
});
export const TurnCommittedFrame = z.strictObject({
  type: z.literal('turn-committed'),
  session: IdSchema,
  seq: SessionSeq,
  turn: TurnNumber,
  player: IdSchema,
  narration: z.string(),
  checks: z.array(CheckResultSchema),
  provider: z.string(),
  degraded: z.strictObject({ from: z.string(), reason: z.string() }).optional(),
  /** From the turn's acceptance to its commit (ms), as the session measured it; absent in a replay. */
  ms: z.number().nonnegative().optional(),
});
export const TurnFailedFrame = z.strictObject({ type: z.literal('turn-failed'), session: IdSchema, seq: SessionSeq, turn: TurnNumber, player: IdSchema, code: z.string(), message: z.string(), ms: z.number().nonnegative().optional() });
/** The checks of turn `turn`, which failed by overrunning its rules deadline (GLASS_ERR_RULES_TIMEOUT), rolled afterwards by its checkRunner workflow. */
export const TurnChecksFrame = z.strictObject({ type: z.literal('turn-checks'), session: IdSchema, seq: SessionSeq, turn: TurnNumber, player: IdSchema, checks: z.array(CheckResultSchema) });
/** A moderator's `reason` override stopped the running turn `turn`: nothing of it was committed (then that override's `session-moderated`). */
export const TurnCancelledFrame = z.strictObject({
  type: z.literal('turn-cancelled'),
  session: IdSchema,
  seq: SessionSeq,
  turn: TurnNumber,
  player: IdSchema,
  reason: z.enum(TURN_CANCEL_REASONS),
  audit: AuditRefSchema,
});
/** An override applied to a session, to every member (`turn`: the redacted turn, or the one a narrate added). */
export const SessionModeratedFrame = z.strictObject({
  type: z.literal('session-moderated'),
  session: IdSchema,
  seq: SessionSeq,
  command: z.enum(OVERRIDE_COMMANDS),
  audit: AuditRefSchema,
  player: IdSchema.optional(),
  turn: TurnNumber.optional(),
  text: z.string().optional(),
  reason: z.string().optional(),
});
const SessionEventSchema = z.discriminatedUnion('type', [SessionPresenceFrame, TurnStartedFrame, NarrationFrame, NarrationDegradedFrame, TurnCommittedFrame, TurnFailedFrame, TurnChecksFrame, TurnCancelledFrame, SessionModeratedFrame, TurnHeldFrame]);
/** A session of a resume whose missed events could be replayed: `events`, in seq order, after the client's seq. */
export const SessionResumedFrame = z.strictObject({
  type: z.literal('session-resumed'),
  session: IdSchema,
  members: z.array(IdSchema),
  events: z.array(SessionEventSchema),
  seq: SeqSchema,
  access: SessionAccessSchema,
  ref: RefSchema.optional(),
});
/** A session of a resume that could not be replayed: its current state, like `session-joined`. */
export const SessionResyncFrame = z.strictObject({
  type: z.literal('session-resync'),
  session: IdSchema,
  reason: z.enum(['window', 'gap', 'unknown']),
  members: z.array(IdSchema),
  seq: SeqSchema,
  transcript: z.array(TranscriptEntrySchema),
  running: RunningTurnSchema.optional(),
  access: SessionAccessSchema,
  ref: RefSchema.optional(),
});
export const PongFrame = z.strictObject({ type: z.literal('pong'), ref: RefSchema.optional() });
/** A room of a resume whose missed lines could be replayed: `lines` are those after the client's seq, up to `seq`. */
export const ResumedFrame = z.strictObject({
  type: z.literal('resumed'),
  room: IdSchema,
  members: z.array(IdSchema),
  lines: z.array(RoomLineSchema),
  seq: SeqSchema,
  ref: RefSchema.optional(),
});
export const RESYNC_REASONS = ['window', 'gap', 'unknown'] as const;
/** A room of a resume that could not be replayed: the room's current state, like `joined`. */
export const ResyncFrame = z.strictObject({
  type: z.literal('resync'),
  room: IdSchema,
  reason: z.enum(RESYNC_REASONS),
  members: z.array(IdSchema),
  history: z.array(RoomLineSchema),
  seq: SeqSchema,
  ref: RefSchema.optional(),
});
/** A fresh resume token for the rooms listed; `ref` is the resume's when it completes one. */
export const ResumeTokenFrame = z.strictObject({
  type: z.literal('resume-token'),
  token: z.string(),
  rooms: z.array(IdSchema),
  /** The sessions it carries (absent: none). */
  sessions: z.array(IdSchema).optional(),
  ref: RefSchema.optional(),
});
export const ErrorFrame = z.strictObject({
  type: z.literal('error'),
  code: z.string(),
  message: z.string(),
  /** With GLASS_ERR_RATE_LIMITED: when the next frame will be accepted. */
  retryAfterMs: z.number().int().nonnegative().optional(),
  ref: RefSchema.optional(),
});

/** An override applied to a room, to every member: what changed, and its audit ref. */
export const ModeratedFrame = z.strictObject({
  type: z.literal('moderated'),
  room: IdSchema,
  command: z.enum(OVERRIDE_COMMANDS),
  audit: AuditRefSchema,
  player: IdSchema.optional(),
  seq: z.number().int().positive().optional(),
  text: z.string().optional(),
  reason: z.string().optional(),
  /** narrate: the line it added, numbered in the room's seq like a `said` line. */
  line: RoomLineSchema.optional(),
});
/** To the moderator: the target applied the override. */
export const OverrideAppliedFrame = z.strictObject({
  type: z.literal('override-applied'),
  room: IdSchema.optional(),
  session: IdSchema.optional(),
  command: z.enum(OVERRIDE_COMMANDS),
  audit: AuditRefSchema,
  ref: RefSchema.optional(),
});

export const SearchHitSchema = z.strictObject({
  id: z.string(),
  kind: z.enum(['lore', 'transcript']),
  world: z.string().nullable(),
  session: z.string().nullable(),
  title: z.string(),
  /** An excerpt with the matched words between `[[` and `]]`. */
  highlight: z.string(),
  score: z.number(),
  updatedAt: z.number(),
});

/** The answer to `search`: best first. */
export const SearchResultsFrame = z.strictObject({ type: z.literal('search-results'), hits: z.array(SearchHitSchema), ref: RefSchema.optional() });

/** A page of history (the answer to `history`): `lines` of a room or `turns` of a session, oldest first. */
export const HistoryPageFrame = z.strictObject({
  type: z.literal('history-page'),
  room: IdSchema.optional(),
  session: IdSchema.optional(),
  lines: z.array(RoomLineSchema).optional(),
  turns: z.array(TranscriptEntrySchema).optional(),
  /** `before` of the next (older) page; null: this page reaches the first entry. */
  next: z.number().int().positive().nullable(),
  ref: RefSchema.optional(),
});

export const ServerFrame = z.discriminatedUnion('type', [
  WelcomeFrame,
  JoinedFrame,
  LeftFrame,
  SaidFrame,
  PresenceFrame,
  TurnAcceptedFrame,
  PongFrame,
  ResumedFrame,
  ResyncFrame,
  ResumeTokenFrame,
  ErrorFrame,
  ModeratedFrame,
  OverrideAppliedFrame,
  SessionJoinedFrame,
  SessionLeftFrame,
  InvitedFrame,
  SessionPresenceFrame,
  TurnStartedFrame,
  NarrationFrame,
  NarrationDegradedFrame,
  TurnCommittedFrame,
  TurnFailedFrame,
  TurnChecksFrame,
  TurnCancelledFrame,
  SessionModeratedFrame,
  SessionResumedFrame,
  SessionResyncFrame,
  TurnHeldFrame,
  GmQueueFrame,
  SearchResultsFrame,
  HistoryPageFrame,
]);
export type ServerFrame = z.infer<typeof ServerFrame>;
export type ServerFrameType = ServerFrame['type'];
/** The server frame of one type, e.g. `ServerFrameOf<'said'>`. */
export type ServerFrameOf<T extends ServerFrameType> = Extract<ServerFrame, { type: T }>;
