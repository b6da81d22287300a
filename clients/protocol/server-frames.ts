// Server → client frames of protocol v1: what the gateway answers and pushes.
import { z } from 'zod';
import { OVERRIDE_COMMANDS } from '../../actors/override-command.js';
import { AuditRefSchema, IdSchema, RefSchema, RoleSchema, RoomLineSchema, SeqSchema } from './field-schemas.js';
import { PROTOCOL_VERSION } from './protocol-limits.js';

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
