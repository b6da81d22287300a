// The field schemas every frame is built from: ids, refs, roles, sequence numbers, a room's line.
import { z } from 'zod';
import { ProtocolLimits } from './protocol-limits.js';

/** What a token may grant. `player` and `moderator` may play; `ops` alone may only ping. */
export const ROLES = ['player', 'moderator', 'ops'] as const;
export type Role = (typeof ROLES)[number];

export const ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/** Room, session, player and character ids: 1..128 of [A-Za-z0-9._-]. */
export const IdSchema = z
  .string()
  .min(1)
  .max(ProtocolLimits.ID_MAX_LENGTH)
  .regex(ID_PATTERN, 'must be letters, digits, ".", "_" or "-"')
  // Ids become keys of plain objects (room members, resume maps): this one would set a prototype.
  .refine((id) => id !== '__proto__', 'is reserved');
// ES2024's String well-formedness methods (Node 20 has them; older browsers running the SDK may not).
interface WellFormedText {
  isWellFormed?(): boolean;
  toWellFormed?(): string;
}
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The one normalisation of text at the edge: a lone UTF-16 surrogate becomes U+FFFD (as UTF-8
 * encoding, between nodes and in the store, would make it), so a line is the same wherever its
 * player is connected. Nothing else is changed: text is relayed verbatim. A well-formed string
 * (almost every one) is returned as is, without a copy.
 */
export function wellFormed(text: string): string {
  const t = text as WellFormedText;
  if (typeof t.isWellFormed === 'function') return t.isWellFormed() ? text : t.toWellFormed!();
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** Text a player or moderator sends (a line, a turn, an override's text or reason): length-checked, then well-formed. */
export function textSchema(min: number, max: number): z.ZodPipe<z.ZodString, z.ZodTransform<string, string>> {
  return z.string().min(min).max(max).transform(wellFormed);
}

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
