import { ErrorCodes, GlassError } from '../runtime/index.js';
import { defineActor, type RefSource } from './define-actor.js';
import { SESSION_COMMANDS, targetOfOverrideId, type AuditRef, type OverrideApply, type OverrideCommand, type OverrideTarget } from './override-command.js';
import { room } from './room.js';
import { session } from './session/index.js';
import { tellSystem } from './system-lane.js';

/** Overrides an override actor remembers (older ones stay in the audit log). */
export const OVERRIDE_RECORD_LIMIT = 100;

export interface AppliedOverride {
  audit: AuditRef;
  command: OverrideCommand;
  by: string;
  at: number;
}

export interface OverrideState {
  /** The most recent overrides sent to the target, oldest first. */
  applied: AppliedOverride[];
}

/**
 * The moderation desk of one target (`<target id>/room` or `<target id>/session`; see overrideId):
 * the gateway tells it an override on the system lane once the audit row is written; it records
 * the override, saves, and passes it on to its target on the system lane (after the save: the
 * record never misses an override the target applied). It lives on its target's worker.
 */
export const override = defineActor({
  kind: 'override',
  persistence: { save: 'every-message' },
  readOnly: ['recent'],
  initialState: (): OverrideState => ({ applied: [] }),
  handlers: {
    apply(ctx, msg: OverrideApply) {
      const target = targetOfOverrideId(ctx.self.id);
      if (target === null || !sameTarget(target, msg.target)) {
        throw new GlassError(ErrorCodes.INVALID_MESSAGE, `override ${ctx.self.id} does not moderate ${msg.target?.kind}:${msg.target?.id}`);
      }
      if (target.kind === 'session' && !SESSION_COMMANDS.has(msg.command.command)) {
        throw new GlassError(ErrorCodes.INVALID_MESSAGE, `a session takes no ${msg.command.command}`);
      }
      const applied = ctx.state.applied;
      applied.push({ audit: msg.audit, command: msg.command, by: msg.by, at: ctx.now() });
      if (applied.length > OVERRIDE_RECORD_LIMIT) applied.shift();
      const moderate = { type: 'moderate', command: msg.command, audit: msg.audit, replyTo: msg.replyTo } as const;
      if (target.kind === 'room') tellSystem(ctx.ref(room, target.id), moderate);
      else tellSystem(ctx.ref(session, target.id), moderate);
      return { audit: msg.audit.id };
    },

    /** The most recent overrides, newest last (for a moderator's view). */
    recent(ctx, msg: { limit?: number }) {
      const limit = Number.isInteger(msg.limit) && msg.limit! > 0 ? Math.min(msg.limit!, OVERRIDE_RECORD_LIMIT) : OVERRIDE_RECORD_LIMIT;
      return { applied: ctx.state.applied.slice(-limit) };
    },
  },
});

/**
 * The last line number a room (or turn number a session) has reached: a `redact` of a later one has
 * nothing to act on and is refused before it is audited as accepted (GLASS_ERR_SEQ_NOT_REACHED).
 * Numbers only grow, so a seq reached when this answers is reached when the override arrives.
 * Read-only asks: a target that does not exist answers 0 and is not created.
 */
export function reachedSeq(source: RefSource, target: OverrideTarget): Promise<number> {
  if (target.kind === 'room') return room.ref(source, target.id).ask({ type: 'lines', after: Number.MAX_SAFE_INTEGER }).then((reply) => reply.seq);
  return session.ref(source, target.id).ask({ type: 'transcript', since: Number.MAX_SAFE_INTEGER }).then((reply) => reply.turn);
}

function sameTarget(a: OverrideTarget, b: OverrideTarget | undefined): boolean {
  return b !== undefined && a.kind === b.kind && a.id === b.id;
}
