// The client wire protocol, version 1: what a WebSocket client may send, what the gateway answers,
// and the stable error and close codes. Schemas, types and codes only; docs/PROTOCOL.md is the prose version.
import { z } from 'zod';
// The leaf module of the override vocabulary, not the actors' entry: the protocol stays loadable
// without the runtime (clients that only speak the protocol).
import { OVERRIDE_COMMANDS, SESSION_COMMANDS, type OverrideCommandName } from '../../actors/override-command.js';

export const PROTOCOL_VERSION = 1;

/** Limits the schemas enforce. Text limits match the room and session actors' own checks. */
export const ProtocolLimits = {
  ID_MAX_LENGTH: 128,
  REF_MAX_LENGTH: 128,
  SAY_MAX_LENGTH: 2_000,
  TURN_MAX_LENGTH: 4_000,
  /** A token (access or resume) longer than this is refused unread. */
  TOKEN_MAX_LENGTH: 8_192,
  /** Rooms one connection may be in; one resume may name; one resume token may carry. */
  RESUME_MAX_ROOMS: 64,
  /** Default largest frame the gateway reads, in bytes (UTF-8). */
  DEFAULT_MAX_FRAME_BYTES: 16_384,
  /** An override's `reason`. */
  REASON_MAX_LENGTH: 500,
  /** An override's `text` (narration, safety note). */
  OVERRIDE_TEXT_MAX_LENGTH: 2_000,
} as const;

/**
 * Codes of the `error` frame and of refused upgrades. The gateway's own codes come first; codes of
 * rejected asks are passed through from the runtime and the actors (listed so clients can match them).
 */
export const ProtocolErrors = {
  /** Not UTF-8 JSON, or JSON that is not an object. */
  BAD_FRAME: 'GLASS_ERR_BAD_FRAME',
  /** An object that fails validation (missing or extra field, wrong type, too long). */
  BAD_FRAME_SCHEMA: 'GLASS_ERR_BAD_FRAME_SCHEMA',
  /** An object whose `type` is not a client frame type of this protocol version. */
  UNKNOWN_FRAME_TYPE: 'GLASS_ERR_UNKNOWN_FRAME_TYPE',
  FRAME_TOO_LARGE: 'GLASS_ERR_FRAME_TOO_LARGE',
  BINARY_UNSUPPORTED: 'GLASS_ERR_BINARY_UNSUPPORTED',
  /** The character's token bucket is empty: the frame was not acted on; retry after `retryAfterMs`. */
  RATE_LIMITED: 'GLASS_ERR_RATE_LIMITED',
  /** The token's roles do not allow this frame type. */
  FORBIDDEN: 'GLASS_ERR_FORBIDDEN',
  /** `say` or `leave` for a room this connection has not joined. */
  NOT_IN_ROOM: 'GLASS_ERR_NOT_IN_ROOM',
  /** A `join` past the number of rooms one connection may be in (RESUME_MAX_ROOMS). */
  TOO_MANY_ROOMS: 'GLASS_ERR_TOO_MANY_ROOMS',
  /** A resume token that is forged, expired, for another player or character, or a room it does not cover. */
  RESUME_INVALID: 'GLASS_ERR_RESUME_INVALID',
  /** Sent before closing a connection because the same player connected again to this node. */
  REPLACED: 'GLASS_ERR_REPLACED',
  /** Sent before closing a connection whose unsent output passed the hard limit (close 4008). */
  SLOW_CONSUMER: 'GLASS_ERR_SLOW_CONSUMER',
  /** At upgrade (HTTP 401) no token; or sent before close 4401 when the token expires. */
  TOKEN_MISSING: 'GLASS_ERR_TOKEN_MISSING',
  /** At upgrade (HTTP 401): forged, malformed, wrong audience or claims. */
  TOKEN_INVALID: 'GLASS_ERR_TOKEN_INVALID',
  /** At upgrade (HTTP 401), or as an error frame before close 4401 when it expires while connected. */
  TOKEN_EXPIRED: 'GLASS_ERR_TOKEN_EXPIRED',
  /** An unexpected failure in the gateway itself; the message says no more than needed. */
  INTERNAL: 'GLASS_ERR_INTERNAL',
  // Passed through from rejected asks.
  ASK_TIMEOUT: 'GLASS_ERR_ASK_TIMEOUT',
  MAILBOX_FULL: 'GLASS_ERR_MAILBOX_FULL',
  NOT_MEMBER: 'GLASS_ERR_NOT_MEMBER',
  TEXT_TOO_LONG: 'GLASS_ERR_TEXT_TOO_LONG',
  ACTOR_FAILED: 'GLASS_ERR_ACTOR_FAILED',
  ACTIVATION_FAILED: 'GLASS_ERR_ACTIVATION_FAILED',
  NODE_CLOSED: 'GLASS_ERR_NODE_CLOSED',
  WORKER_FAILED: 'GLASS_ERR_WORKER_FAILED',
  // Moderation.
  /** The player is muted in this room or session (from the actor). */
  MUTED: 'GLASS_ERR_MUTED',
  /** The room or session is paused by a moderator (from the actor). */
  PAUSED: 'GLASS_ERR_PAUSED',
  /** The room is locked: only its members and moderators may enter (from the actor). */
  ROOM_LOCKED: 'GLASS_ERR_ROOM_LOCKED',
  /** No audit log is configured or PostgreSQL is unreachable: the override was not applied. */
  AUDIT_UNAVAILABLE: 'GLASS_ERR_AUDIT_UNAVAILABLE',
  /** The override was audited and sent, but its target did not acknowledge it in time: its outcome is unknown. */
  OVERRIDE_TIMEOUT: 'GLASS_ERR_OVERRIDE_TIMEOUT',
  // HTTP API only.
  /** The body is not JSON or fails validation; `message` names the first field at fault. */
  BAD_REQUEST: 'GLASS_ERR_BAD_REQUEST',
  BODY_TOO_LARGE: 'GLASS_ERR_BODY_TOO_LARGE',
  NOT_FOUND: 'GLASS_ERR_NOT_FOUND',
  METHOD_NOT_ALLOWED: 'GLASS_ERR_METHOD_NOT_ALLOWED',
} as const;

export type ProtocolErrorCode = (typeof ProtocolErrors)[keyof typeof ProtocolErrors];

/** WebSocket close codes the gateway uses (4000-4999 are the application's range). */
export const CloseCodes = {
  /** The server is shutting down; reconnect (to any node) and resume. */
  GOING_AWAY: 1001,
  /** The same player opened another connection on this node; this one is superseded. */
  REPLACED: 4001,
  /** The client did not read fast enough (unsent output over the hard limit); reconnect and resume. */
  SLOW_CONSUMER: 4008,
  /** The access token expired; get a new one, reconnect and resume. */
  TOKEN_EXPIRED: 4401,
} as const;

/** What a token may grant. `player` and `moderator` may play; `ops` alone may only ping. */
export const ROLES = ['player', 'moderator', 'ops'] as const;
export type Role = (typeof ROLES)[number];

const ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/** Room, session, player and character ids: 1..128 of [A-Za-z0-9._-]. */
export const IdSchema = z
  .string()
  .min(1)
  .max(ProtocolLimits.ID_MAX_LENGTH)
  .regex(ID_PATTERN, 'must be letters, digits, ".", "_" or "-"')
  // Ids become keys of plain objects (room members, resume maps): this one would set a prototype.
  .refine((id) => id !== '__proto__', 'is reserved');
/** Echoed back on the answer to the frame that carried it, so clients can correlate. */
export const RefSchema = z.string().min(1).max(ProtocolLimits.REF_MAX_LENGTH);
export const RoleSchema = z.enum(ROLES);
const SeqSchema = z.number().int().nonnegative();

// ---- client → server ----

export const JoinFrame = z.strictObject({ type: z.literal('join'), room: IdSchema, ref: RefSchema.optional() });
export const LeaveFrame = z.strictObject({ type: z.literal('leave'), room: IdSchema, ref: RefSchema.optional() });
export const SayFrame = z.strictObject({
  type: z.literal('say'),
  room: IdSchema,
  text: z.string().max(ProtocolLimits.SAY_MAX_LENGTH),
  ref: RefSchema.optional(),
});
export const TurnFrame = z.strictObject({
  type: z.literal('turn'),
  session: IdSchema,
  text: z.string().min(1).max(ProtocolLimits.TURN_MAX_LENGTH),
  ref: RefSchema.optional(),
});
export const PingFrame = z.strictObject({ type: z.literal('ping'), ref: RefSchema.optional() });
/** Rooms of an earlier connection, each with the `seq` of the last line the client saw in it. */
export const ResumeFrame = z.strictObject({
  type: z.literal('resume'),
  token: z.string().min(1).max(ProtocolLimits.TOKEN_MAX_LENGTH),
  rooms: z.record(IdSchema, SeqSchema).refine((r) => Object.keys(r).length <= ProtocolLimits.RESUME_MAX_ROOMS, {
    message: `at most ${ProtocolLimits.RESUME_MAX_ROOMS} rooms`,
  }),
  ref: RefSchema.optional(),
});

/** The fields of an override, shared by the `override` frame and the body of `POST /api/overrides`. */
const OverrideFields = {
  room: IdSchema.optional(),
  session: IdSchema.optional(),
  command: z.enum(OVERRIDE_COMMANDS),
  player: IdSchema.optional(),
  seq: z.number().int().positive().optional(),
  text: z.string().min(1).max(ProtocolLimits.OVERRIDE_TEXT_MAX_LENGTH).optional(),
  reason: z.string().min(1).max(ProtocolLimits.REASON_MAX_LENGTH).optional(),
};

const NEEDS: Readonly<Record<OverrideCommandName, readonly ('player' | 'seq' | 'text' | 'reason')[]>> = {
  mute: ['player', 'reason'],
  unmute: ['player', 'reason'],
  kick: ['player', 'reason'],
  pause: ['reason'],
  resume: ['reason'],
  lock: ['reason'],
  unlock: ['reason'],
  redact: ['seq', 'reason'],
  narrate: ['text'],
  note: ['text'],
};

/** Which fields each command needs and allows (`reason` is optional for narrate and note), and the target's kind. */
function checkOverride(v: { room?: string; session?: string; command: OverrideCommandName; player?: string; seq?: number; text?: string; reason?: string }, ctx: z.RefinementCtx): void {
  if ((v.room === undefined) === (v.session === undefined)) ctx.addIssue({ code: 'custom', path: ['room'], message: 'exactly one of room and session is required' });
  if (v.session !== undefined && !SESSION_COMMANDS.has(v.command)) ctx.addIssue({ code: 'custom', path: ['command'], message: `${v.command} applies to rooms only` });
  const needs = NEEDS[v.command];
  for (const field of ['player', 'seq', 'text'] as const) {
    if (needs.includes(field) && v[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `required for ${v.command}` });
    if (!needs.includes(field) && v[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `not allowed for ${v.command}` });
  }
  if (needs.includes('reason') && v.reason === undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: `required for ${v.command}` });
}

/** A moderator's command to a room or a session (role moderator only; every attempt is audited). */
export const OverrideFrame = z
  .strictObject({ type: z.literal('override'), ...OverrideFields, ref: RefSchema.optional() })
  .superRefine(checkOverride);
/** The body of `POST /api/overrides`: the override frame without `type` and `ref`. */
export const OverrideRequest = z.strictObject(OverrideFields).superRefine(checkOverride);
export type OverrideRequest = z.infer<typeof OverrideRequest>;

export const ClientFrame = z.discriminatedUnion('type', [JoinFrame, LeaveFrame, SayFrame, TurnFrame, PingFrame, ResumeFrame, OverrideFrame]);
export type ClientFrame = z.infer<typeof ClientFrame>;
export type ClientFrameType = ClientFrame['type'];
export const CLIENT_FRAME_TYPES: readonly ClientFrameType[] = ['join', 'leave', 'say', 'turn', 'ping', 'resume', 'override'];

/** Which roles may send each frame type. */
export const FRAME_ROLES: Readonly<Record<ClientFrameType, readonly Role[]>> = {
  join: ['player', 'moderator'],
  leave: ['player', 'moderator'],
  say: ['player', 'moderator'],
  turn: ['player', 'moderator'],
  resume: ['player', 'moderator'],
  ping: ROLES,
  override: ['moderator'],
};

// ---- server → client ----

export const RoomLineSchema = z.strictObject({
  seq: z.number().int().positive(),
  from: IdSchema,
  text: z.string(),
  at: z.number(),
  /** A moderator removed the text (it is ''). */
  redacted: z.literal(true).optional(),
  /** Game-master narration injected by a moderator (`from` is "gm"). */
  narration: z.literal(true).optional(),
});
export type RoomLineFrame = z.infer<typeof RoomLineSchema>;

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
  members: z.array(IdSchema),
});
export const TurnAcceptedFrame = z.strictObject({
  type: z.literal('turn-accepted'),
  session: IdSchema,
  turn: z.number().int().positive(),
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

/** Where an override sits in the audit log: row id and row hash (quote them when reporting it). */
export const AuditRefSchema = z.strictObject({ id: z.number().int().positive(), hash: z.string().regex(/^[0-9a-f]{64}$/) });
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
]);
export type ServerFrame = z.infer<typeof ServerFrame>;
export type ServerFrameType = ServerFrame['type'];
/** The server frame of one type, e.g. `ServerFrameOf<'said'>`. */
export type ServerFrameOf<T extends ServerFrameType> = Extract<ServerFrame, { type: T }>;
