// What a moderator override is, as the actors see it: plain types and codes, no validation library
// (the gateway validates with zod before anything reaches an actor; see clients/moderation-schema.ts).

/** Every command a moderator can issue, and which targets each applies to. */
export const OVERRIDE_COMMANDS = ['mute', 'unmute', 'kick', 'pause', 'resume', 'lock', 'unlock', 'redact', 'narrate', 'note'] as const;
export type OverrideCommandName = (typeof OVERRIDE_COMMANDS)[number];

export const OVERRIDE_TARGET_KINDS = ['room', 'session'] as const;
export type OverrideTargetKind = (typeof OVERRIDE_TARGET_KINDS)[number];

/** Commands a session takes: it has no members to kick and no door to lock. */
export const SESSION_COMMANDS: ReadonlySet<OverrideCommandName> = new Set(['mute', 'unmute', 'pause', 'resume', 'redact', 'narrate', 'note']);

/** Who narrates injected lines and turns; not a valid player id of a real player by convention. */
export const GM_SPEAKER = 'gm';

/** One command, validated. `player` for mute/unmute/kick, `seq` for redact, `text` for narrate/note. */
export interface OverrideCommand {
  command: OverrideCommandName;
  player?: string;
  seq?: number;
  text?: string;
  reason?: string;
}

export interface OverrideTarget {
  kind: OverrideTargetKind;
  id: string;
}

/** Where an override sits in the audit log: the row id and the row's hash. */
export interface AuditRef {
  id: number;
  hash: string;
}

/** What the gateway tells an override actor (on the system lane) once the audit row is written. */
export interface OverrideApply {
  target: OverrideTarget;
  command: OverrideCommand;
  audit: AuditRef;
  /** The moderator's player id (kept by the override actor, not shown to players). */
  by: string;
  /** The gateway node that waits for the acknowledgement. */
  replyTo: string;
}

/** What an override actor tells its target (on the system lane). */
export interface ModerateMessage {
  command: OverrideCommand;
  audit: AuditRef;
  replyTo: string;
}

/**
 * The override actor of a target: `<target id>/<kind>`. Placement hashes an id's first `/` segment,
 * so it lives on the target's worker and its tell to the target never crosses a thread.
 */
export function overrideId(target: OverrideTarget): string {
  return `${target.id}/${target.kind}`;
}

/** The target of an override actor id, or null for an id that names none. */
export function targetOfOverrideId(id: string): OverrideTarget | null {
  const slash = id.lastIndexOf('/');
  if (slash <= 0) return null;
  const kind = id.slice(slash + 1);
  if (kind !== 'room' && kind !== 'session') return null;
  return { kind, id: id.slice(0, slash) };
}
