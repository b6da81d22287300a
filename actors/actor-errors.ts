// The codes with which the game's actors refuse a message. A leaf module (no imports): the
// protocol re-exports these tables for its clients, the SDK included, without loading an actor.

/** Codes with which a room (and a session, for text) refuses what a player asked. */
export const RoomErrors = {
  NOT_MEMBER: 'GLASS_ERR_NOT_MEMBER',
  TEXT_TOO_LONG: 'GLASS_ERR_TEXT_TOO_LONG',
  /** The room has as many members as its gateway allows (maxRoomMembers): a non-member's join or resume is refused. */
  ROOM_FULL: 'GLASS_ERR_ROOM_FULL',
  /** The room (or session) does not exist, and this player may not create it (the gateway's creation policy or quota). */
  CREATE_REFUSED: 'GLASS_ERR_CREATE_REFUSED',
} as const;

/** Codes with which a room or session refuses what a moderator forbade. */
export const ModerationErrors = {
  /** The player is muted in this room or session. */
  MUTED: 'GLASS_ERR_MUTED',
  /** The room or session is paused: no lines or turns until it is resumed. */
  PAUSED: 'GLASS_ERR_PAUSED',
  /** The room is locked: only its members may (re)enter. */
  LOCKED: 'GLASS_ERR_ROOM_LOCKED',
  /** A `redact` of a line (or turn) number the room (or session) has not reached yet: nothing to redact, refused. */
  SEQ_NOT_REACHED: 'GLASS_ERR_SEQ_NOT_REACHED',
} as const;

/** Codes with which a session refuses a join, an invitation or a turn. */
export const SessionErrors = {
  /** The session is invite-only and this player was not invited (nor is its creator, a member or a moderator). */
  NOT_INVITED: 'GLASS_ERR_NOT_INVITED',
  /** Only the session's creator or a moderator may invite to it. */
  INVITE_FORBIDDEN: 'GLASS_ERR_INVITE_FORBIDDEN',
  /** The session already lists its most invitations (SESSION_INVITE_LIMIT). */
  INVITES_FULL: 'GLASS_ERR_INVITES_FULL',
  /** As many turns wait as a session queues (SESSION_TURN_QUEUE_LIMIT): retry once one is committed. */
  TURN_QUEUE_FULL: 'GLASS_ERR_TURN_QUEUE_FULL',
  /** The turn runner failed without a code of its own (`turn-failed` carries it). */
  TURN_FAILED: 'GLASS_ERR_TURN_FAILED',
} as const;

/** Codes of the archive of aged-out room lines and session turns (actors/archive-*.ts). */
export const ArchiveErrors = {
  /** The archive has not taken the oldest lines (or turns) for a while: new ones wait until it has, nothing is lost. */
  BEHIND: 'GLASS_ERR_ARCHIVE_BEHIND',
  /** An archived chunk read back is not what the archive writes (corrupted or foreign): not used. */
  CORRUPT: 'GLASS_ERR_ARCHIVE_CORRUPT',
  /** The object store behind the archive failed, or this node has none. */
  UNAVAILABLE: 'GLASS_ERR_ARCHIVE_UNAVAILABLE',
} as const;

/** Codes a narrated turn fails with (in `turn-failed`), from the narrate step. */
export const NarrationErrors = {
  /** Every narrator of the chain failed. */
  UNAVAILABLE: 'GLASS_ERR_NARRATION_UNAVAILABLE',
} as const;

/** Codes of the rules step (the node's rules pool): in `turn-failed` when the checks could not run. */
export const RulesErrors = {
  FAILED: 'GLASS_ERR_RULES_FAILED',
  TIMEOUT: 'GLASS_ERR_RULES_TIMEOUT',
  /** The node's rules pool is at its queue bound: refused at once, nothing queued. */
  BUSY: 'GLASS_ERR_RULES_BUSY',
  /** A check request (or a message on the rules pool's port) that is not well formed. */
  INVALID: 'GLASS_ERR_RULES_INVALID',
  /** The caller's AbortSignal fired before the checks came back. */
  ABORTED: 'GLASS_ERR_RULES_ABORTED',
  /** The rules runner (or its pool) was closed with the check pending, or before it was asked. */
  CLOSED: 'GLASS_ERR_RULES_CLOSED',
} as const;

/** The safety step's refusal, in `turn-failed`. */
export const SafetyErrors = {
  /** The narration matched a prohibited capability: not sent; the turn fails with this code. */
  REFUSED: 'GLASS_ERR_SAFETY_REFUSED',
} as const;
