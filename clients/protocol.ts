// The client wire protocol, version 1: what a WebSocket client may send, what the gateway answers,
// and the stable error codes. Schemas, types and codes only; docs/PROTOCOL.md is the prose version.
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;

/** Limits the schemas enforce. Text limits match the room and session actors' own checks. */
export const ProtocolLimits = {
  ID_MAX_LENGTH: 128,
  REF_MAX_LENGTH: 128,
  SAY_MAX_LENGTH: 2_000,
  TURN_MAX_LENGTH: 4_000,
  /** Default largest frame the gateway reads, in bytes (UTF-8). */
  DEFAULT_MAX_FRAME_BYTES: 16_384,
} as const;

/**
 * Codes of the `error` frame. The gateway's own codes come first; codes of rejected asks are passed
 * through from the runtime and the actors (listed here so clients can match on them).
 */
export const ProtocolErrors = {
  /** Not JSON, or JSON that is not an object. */
  BAD_FRAME: 'GLASS_ERR_BAD_FRAME',
  /** An object that fails validation (missing or extra field, wrong type, too long). */
  BAD_FRAME_SCHEMA: 'GLASS_ERR_BAD_FRAME_SCHEMA',
  /** An object whose `type` is not a client frame type of this protocol version. */
  UNKNOWN_FRAME_TYPE: 'GLASS_ERR_UNKNOWN_FRAME_TYPE',
  FRAME_TOO_LARGE: 'GLASS_ERR_FRAME_TOO_LARGE',
  BINARY_UNSUPPORTED: 'GLASS_ERR_BINARY_UNSUPPORTED',
  /** `say` or `leave` for a room this connection has not joined. */
  NOT_IN_ROOM: 'GLASS_ERR_NOT_IN_ROOM',
  /** Sent before closing a connection because the same player connected again. */
  REPLACED: 'GLASS_ERR_REPLACED',
  /** At upgrade (HTTP 400 body, not a frame): the `player` query parameter is missing or invalid. */
  BAD_PLAYER: 'GLASS_ERR_BAD_PLAYER',
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
} as const;

export type ProtocolErrorCode = (typeof ProtocolErrors)[keyof typeof ProtocolErrors];

/** WebSocket close codes the gateway uses (4000-4999 are the application's range). */
export const CloseCodes = {
  /** The server is shutting down; reconnect later (or elsewhere). */
  GOING_AWAY: 1001,
  /** The same player opened another connection on this node; this one is superseded. */
  REPLACED: 4001,
} as const;

const ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/** Room, session and player ids: 1..128 of [A-Za-z0-9._-]. */
export const IdSchema = z.string().min(1).max(ProtocolLimits.ID_MAX_LENGTH).regex(ID_PATTERN, 'must be letters, digits, ".", "_" or "-"');
/** Echoed back on the answer to the frame that carried it, so clients can correlate. */
export const RefSchema = z.string().min(1).max(ProtocolLimits.REF_MAX_LENGTH);

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

export const ClientFrame = z.discriminatedUnion('type', [JoinFrame, LeaveFrame, SayFrame, TurnFrame, PingFrame]);
export type ClientFrame = z.infer<typeof ClientFrame>;
export type ClientFrameType = ClientFrame['type'];
export const CLIENT_FRAME_TYPES: readonly ClientFrameType[] = ['join', 'leave', 'say', 'turn', 'ping'];

// ---- server → client ----

export const RoomLineSchema = z.strictObject({
  seq: z.number().int().nonnegative(),
  from: IdSchema,
  text: z.string(),
  at: z.number(),
});
export type RoomLineFrame = z.infer<typeof RoomLineSchema>;

export const WelcomeFrame = z.strictObject({ type: z.literal('welcome'), v: z.literal(PROTOCOL_VERSION), player: IdSchema, node: z.string() });
export const JoinedFrame = z.strictObject({
  type: z.literal('joined'),
  room: IdSchema,
  members: z.array(IdSchema),
  history: z.array(RoomLineSchema),
  seq: z.number().int().nonnegative(),
  ref: RefSchema.optional(),
});
export const LeftFrame = z.strictObject({ type: z.literal('left'), room: IdSchema, ref: RefSchema.optional() });
export const SaidFrame = z.strictObject({ type: z.literal('said'), room: IdSchema, line: RoomLineSchema });
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
export const ErrorFrame = z.strictObject({
  type: z.literal('error'),
  code: z.string(),
  message: z.string(),
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
  ErrorFrame,
]);
export type ServerFrame = z.infer<typeof ServerFrame>;
export type ServerFrameType = ServerFrame['type'];
/** The server frame of one type, e.g. `ServerFrameOf<'said'>`. */
export type ServerFrameOf<T extends ServerFrameType> = Extract<ServerFrame, { type: T }>;
