// Client → server frames of protocol v1: what a WebSocket client may send, and which roles may send it.
import { z } from 'zod';
// The leaf module of the override vocabulary, not the actors' entry: the protocol stays loadable
// without the runtime (clients that only speak the protocol).
import { OVERRIDE_COMMANDS, SESSION_COMMANDS, type OverrideCommandName } from '../../actors/override-command.js';
import { IdSchema, RefSchema, ROLES, SeqSchema, textSchema, type Role } from './field-schemas.js';
import { ProtocolLimits } from './protocol-limits.js';

export const JoinFrame = z.strictObject({ type: z.literal('join'), room: IdSchema, ref: RefSchema.optional() });
export const LeaveFrame = z.strictObject({ type: z.literal('leave'), room: IdSchema, ref: RefSchema.optional() });
export const SayFrame = z.strictObject({
  type: z.literal('say'),
  room: IdSchema,
  text: textSchema(0, ProtocolLimits.SAY_MAX_LENGTH),
  ref: RefSchema.optional(),
});
export const TurnFrame = z.strictObject({
  type: z.literal('turn'),
  session: IdSchema,
  text: textSchema(1, ProtocolLimits.TURN_MAX_LENGTH),
  ref: RefSchema.optional(),
});
export const JoinSessionFrame = z.strictObject({
  type: z.literal('join-session'),
  session: IdSchema,
  /** Only read by the join that creates the session: `invite` admits its creator, invited players and moderators. */
  access: z.enum(['open', 'invite']).optional(),
  /** Only read by the join that creates the session: the world whose budget it spends (docs/BUDGETS.md); default `default`. */
  world: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/).optional(),
  ref: RefSchema.optional(),
});
export const LeaveSessionFrame = z.strictObject({ type: z.literal('leave-session'), session: IdSchema, ref: RefSchema.optional() });
/** The session's creator (a member) or a moderator invites `player` to an invite-only session. */
export const InviteFrame = z.strictObject({ type: z.literal('invite'), session: IdSchema, player: IdSchema, ref: RefSchema.optional() });
/**
 * A page of a room's whole history or a session's whole transcript, hot and archived alike: the
 * newest `limit` entries with seq below `before` (absent: the newest of all). Members and moderators.
 * The answer's `next` is the `before` of the page after it, older.
 */
export const HistoryFrame = z
  .strictObject({
    type: z.literal('history'),
    room: IdSchema.optional(),
    session: IdSchema.optional(),
    before: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    limit: z.number().int().min(1).max(ProtocolLimits.HISTORY_MAX_PAGE).optional(),
    ref: RefSchema.optional(),
  })
  .refine((v) => (v.room === undefined) !== (v.session === undefined), { path: ['room'], message: 'exactly one of room and session is required' });
export type HistoryFrame = z.infer<typeof HistoryFrame>;
export const PingFrame = z.strictObject({ type: z.literal('ping'), ref: RefSchema.optional() });
/** Rooms of an earlier connection, each with the `seq` of the last line the client saw in it. */
export const ResumeFrame = z.strictObject({
  type: z.literal('resume'),
  token: z.string().min(1).max(ProtocolLimits.TOKEN_MAX_LENGTH),
  rooms: z.record(IdSchema, SeqSchema).refine((r) => Object.keys(r).length <= ProtocolLimits.RESUME_MAX_ROOMS, {
    message: `at most ${ProtocolLimits.RESUME_MAX_ROOMS} rooms`,
  }),
  /** Sessions of the earlier connection, each with the `seq` of the last session event the client saw. */
  sessions: z
    .record(IdSchema, SeqSchema)
    .refine((r) => Object.keys(r).length <= ProtocolLimits.RESUME_MAX_SESSIONS, { message: `at most ${ProtocolLimits.RESUME_MAX_SESSIONS} sessions` })
    .optional(),
  ref: RefSchema.optional(),
});

/** Search of lore (players) or of lore and transcripts (moderators); answered by `search-results`. */
export const SearchFrame = z.strictObject({
  type: z.literal('search'),
  text: textSchema(1, ProtocolLimits.SEARCH_MAX_LENGTH),
  kind: z.enum(['lore', 'transcript']).optional(),
  world: IdSchema.optional(),
  /** A transcript's actor, `session:<id>` or `room:<id>` (moderators). */
  session: z.string().regex(/^(session|room):[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/).optional(),
  limit: z.number().int().min(1).max(ProtocolLimits.SEARCH_MAX_RESULTS).optional(),
  ref: RefSchema.optional(),
});

/** The fields of an override, shared by the `override` frame and the body of `POST /api/overrides`. */
const OverrideFields = {
  room: IdSchema.optional(),
  session: IdSchema.optional(),
  command: z.enum(OVERRIDE_COMMANDS),
  player: IdSchema.optional(),
  seq: z.number().int().positive().optional(),
  text: textSchema(1, ProtocolLimits.OVERRIDE_TEXT_MAX_LENGTH).optional(),
  reason: textSchema(1, ProtocolLimits.REASON_MAX_LENGTH).optional(),
};

type OverrideField = 'player' | 'seq' | 'text' | 'reason';
const OVERRIDE_FIELD_NAMES: readonly OverrideField[] = ['player', 'seq', 'text', 'reason'];

/** Per command, the fields it needs and the ones it may carry besides: any other is refused. */
const FIELDS: Readonly<Record<OverrideCommandName, { readonly needs: readonly OverrideField[]; readonly may?: readonly OverrideField[] }>> = {
  mute: { needs: ['player', 'reason'] },
  unmute: { needs: ['player', 'reason'] },
  kick: { needs: ['player', 'reason'] },
  pause: { needs: ['reason'] },
  resume: { needs: ['reason'] },
  lock: { needs: ['reason'] },
  unlock: { needs: ['reason'] },
  redact: { needs: ['seq', 'reason'] },
  narrate: { needs: ['text'], may: ['reason'] },
  note: { needs: ['text'] },
};

/** Strict per command: the fields it needs are there, and no field it does not take; and the target's kind. */
function checkOverride(v: { room?: string; session?: string; command: OverrideCommandName; player?: string; seq?: number; text?: string; reason?: string }, ctx: z.RefinementCtx): void {
  if ((v.room === undefined) === (v.session === undefined)) ctx.addIssue({ code: 'custom', path: ['room'], message: 'exactly one of room and session is required' });
  if (v.session !== undefined && !SESSION_COMMANDS.has(v.command)) ctx.addIssue({ code: 'custom', path: ['command'], message: `${v.command} applies to rooms only` });
  const { needs, may = [] } = FIELDS[v.command];
  for (const field of OVERRIDE_FIELD_NAMES) {
    if (needs.includes(field) && v[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `required for ${v.command}` });
    if (!needs.includes(field) && !may.includes(field) && v[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `not allowed for ${v.command}` });
  }
}

/** A moderator's command to a room or a session (role moderator only; every attempt is audited). */
export const OverrideFrame = z
  .strictObject({ type: z.literal('override'), ...OverrideFields, ref: RefSchema.optional() })
  .superRefine(checkOverride);
export type OverrideFrame = z.infer<typeof OverrideFrame>;
/** The body of `POST /api/overrides`: the override frame without `type` and `ref`. */
export const OverrideRequest = z.strictObject(OverrideFields).superRefine(checkOverride);
export type OverrideRequest = z.infer<typeof OverrideRequest>;

export const ClientFrame = z.discriminatedUnion('type', [JoinFrame, LeaveFrame, SayFrame, TurnFrame, JoinSessionFrame, LeaveSessionFrame, InviteFrame, PingFrame, ResumeFrame, OverrideFrame, HistoryFrame, SearchFrame]);
export type ClientFrame = z.infer<typeof ClientFrame>;
export type ClientFrameType = ClientFrame['type'];
export const CLIENT_FRAME_TYPES: readonly ClientFrameType[] = ['join', 'leave', 'say', 'turn', 'join-session', 'leave-session', 'invite', 'ping', 'resume', 'override', 'history', 'search'];

/** Which roles may send each frame type. */
export const FRAME_ROLES: Readonly<Record<ClientFrameType, readonly Role[]>> = {
  join: ['player', 'moderator'],
  leave: ['player', 'moderator'],
  say: ['player', 'moderator'],
  turn: ['player', 'moderator'],
  'join-session': ['player', 'moderator'],
  'leave-session': ['player', 'moderator'],
  invite: ['player', 'moderator'],
  resume: ['player', 'moderator'],
  ping: ROLES,
  override: ['moderator'],
  // Players search lore only; the gateway refuses them transcripts (connection-search.ts).
  search: ['player', 'moderator'],
  history: ['player', 'moderator'],
};
