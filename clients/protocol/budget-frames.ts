// Server frames of budgets and the human GM queue (docs/BUDGETS.md): `turn-held` to a session's
// members, `gm-queue` to moderator sockets. Own file so the shared frame tables grow by a line.
import { z } from 'zod';
import { IdSchema } from './field-schemas.js';

/** A turn waits for a human GM (its world is past the budget's escalation share, policy `wait`); a moderator's `narrate` answers it. */
export const TurnHeldFrame = z.strictObject({
  type: z.literal('turn-held'),
  session: IdSchema,
  seq: z.number().int().positive(),
  turn: z.number().int().positive(),
  player: IdSchema,
  reason: z.literal('budget'),
});

export const GmQueueItemSchema = z.strictObject({
  id: z.number().int().positive(),
  session: IdSchema,
  world: z.string(),
  reason: z.enum(['budget', 'outage']),
  since: z.number(),
  holding: z.boolean(),
  spentUsd: z.number().optional(),
  limitUsd: z.number().nullable().optional(),
  takenBy: IdSchema.optional(),
  takenAt: z.number().optional(),
});

/** To moderator sockets: the human GM queue changed (a session escalated, was taken, or no longer needs a GM). */
export const GmQueueFrame = z.strictObject({
  type: z.literal('gm-queue'),
  change: z.enum(['escalated', 'taken', 'resolved']),
  item: GmQueueItemSchema,
  depth: z.number().int().nonnegative(),
  open: z.number().int().nonnegative(),
});
