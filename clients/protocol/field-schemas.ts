// The field schemas every frame is built from: ids, refs, roles, sequence numbers, a room's line.
import { z } from 'zod';
import { ProtocolLimits } from './protocol-limits.js';

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
export const SeqSchema = z.number().int().nonnegative();

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

/** Where an override sits in the audit log: row id and row hash (quote them when reporting it). */
export const AuditRefSchema = z.strictObject({ id: z.number().int().positive(), hash: z.string().regex(/^[0-9a-f]{64}$/) });
