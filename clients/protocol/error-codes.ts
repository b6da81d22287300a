// Every error code the wire carries, each defined once. The edge's own codes (the gateway, the
// HTTP APIs, moderation, ops) are defined here; codes that come from below (a rejected ask carries
// its runtime, actor or transport code to the client as is) are defined by their layer in a leaf
// module with no imports, and only gathered here. Importing those leaves, not their layers'
// entries, keeps the protocol (and so the SDK) free of Node code. The committed list in
// spec/fixtures/wire-error-codes.ts pins every string; spec/unit/wire-error-codes.test.ts checks both.
import { ArchiveErrors, BudgetErrors, ModerationErrors, NarrationErrors, RoomErrors, RulesErrors, SafetyErrors, SessionErrors } from '../../actors/actor-errors.js';
import { OpsPublisherErrors } from '../../cluster/ops/ops-publisher-errors.js';
import { TransportErrorCodes } from '../../cluster/streams/transport-errors.js';
import { ErrorCodes } from '../../runtime/errors.js';
import { SearchErrors } from '../../runtime/search-index.js';
import { ServiceErrors } from '../../runtime/services.js';

export { ArchiveErrors, BudgetErrors, ErrorCodes, SearchErrors, ModerationErrors, NarrationErrors, OpsPublisherErrors, RoomErrors, RulesErrors, SafetyErrors, SessionErrors, TransportErrorCodes };

/** The gateway's own codes: of the `error` frame, of refused upgrades, and of the HTTP APIs. */
export const EdgeErrors = {
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
  /** The token's roles do not allow this frame type (or this API). */
  FORBIDDEN: 'GLASS_ERR_FORBIDDEN',
  /** `say` or `leave` for a room this connection has not joined. */
  NOT_IN_ROOM: 'GLASS_ERR_NOT_IN_ROOM',
  /** `turn`, `invite` or `leave-session` for a session this connection has not joined. */
  NOT_IN_SESSION: 'GLASS_ERR_NOT_IN_SESSION',
  /** A `join-session` past the number of sessions one connection may be in (RESUME_MAX_SESSIONS). */
  TOO_MANY_SESSIONS: 'GLASS_ERR_TOO_MANY_SESSIONS',
  /** A `join` past the number of rooms one connection may be in (RESUME_MAX_ROOMS). */
  TOO_MANY_ROOMS: 'GLASS_ERR_TOO_MANY_ROOMS',
  /** At upgrade (HTTP 429): the client's address already has the most open connections allowed (maxConnectionsPerIp). */
  TOO_MANY_CONNECTIONS: 'GLASS_ERR_TOO_MANY_CONNECTIONS',
  /** The player's text budget (UTF-8 bytes of `say` and `turn` per second) is spent: not acted on; retry after `retryAfterMs`. */
  TEXT_RATE_LIMITED: 'GLASS_ERR_TEXT_RATE_LIMITED',
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
  /** At upgrade (HTTP 401): an authentic token whose `iat` is more than the clock tolerance (30 s) ahead. */
  TOKEN_NOT_YET_VALID: 'GLASS_ERR_TOKEN_NOT_YET_VALID',
  /** At upgrade (HTTP 401): an authentic token with no `exp`, or living longer than the maximum TTL (30 days). */
  TOKEN_LIFETIME: 'GLASS_ERR_TOKEN_LIFETIME',
  /** An unexpected failure in the gateway itself; the message says no more than needed. */
  INTERNAL: 'GLASS_ERR_INTERNAL',
  /** The override was audited and sent, but its target did not acknowledge it in time: its outcome is unknown. */
  OVERRIDE_TIMEOUT: 'GLASS_ERR_OVERRIDE_TIMEOUT',
  // HTTP API only.
  /** The body is not JSON or fails validation; `message` names the first field at fault. */
  BAD_REQUEST: 'GLASS_ERR_BAD_REQUEST',
  BODY_TOO_LARGE: 'GLASS_ERR_BODY_TOO_LARGE',
  NOT_FOUND: 'GLASS_ERR_NOT_FOUND',
  METHOD_NOT_ALLOWED: 'GLASS_ERR_METHOD_NOT_ALLOWED',
} as const;

/** Codes of the moderation audit log (clients/moderation/audit-log.ts). */
export const AuditErrors = {
  /** No audit log is configured, or PostgreSQL is unreachable: an override cannot be audited, so it is refused. */
  UNAVAILABLE: 'GLASS_ERR_AUDIT_UNAVAILABLE',
} as const;

/** Codes of the ops API's actions (clients/ops/). */
export const OpsErrors = {
  /** The token lacks the `ops` role. */
  FORBIDDEN: EdgeErrors.FORBIDDEN,
  INVALID_REQUEST: 'GLASS_ERR_OPS_INVALID_REQUEST',
  /** The audit log could not record the action: it was not carried out. */
  AUDIT_FAILED: 'GLASS_ERR_OPS_AUDIT_FAILED',
  NOT_FOUND: 'GLASS_ERR_OPS_NOT_FOUND',
  /** Draining the only node: there is nobody to hand its actors to. */
  NO_PEERS: 'GLASS_ERR_OPS_NO_PEERS',
  UNKNOWN_NODE: 'GLASS_ERR_OPS_UNKNOWN_NODE',
} as const;

/**
 * Every code a client of the gateway may meet, by one name each: the edge's own, then those passed
 * through from rejected asks and from the ops API. Gathered from the tables above; none is typed
 * again here.
 */
export const ProtocolErrors = {
  ...EdgeErrors,
  // Passed through from rejected asks: the runtime's and the actors'.
  ...ErrorCodes,
  NOT_MEMBER: RoomErrors.NOT_MEMBER,
  TEXT_TOO_LONG: RoomErrors.TEXT_TOO_LONG,
  /** The room has its most members (the gateway's maxRoomMembers): a join of a non-member is refused (from the actor). */
  ROOM_FULL: RoomErrors.ROOM_FULL,
  /** A `join` or `turn` that would create a room or session this player may not create (creation policy or quota; from the actor). */
  CREATE_REFUSED: RoomErrors.CREATE_REFUSED,
  /** An invite-only session refused a player it was not invited to (from the actor). */
  NOT_INVITED: SessionErrors.NOT_INVITED,
  /** An `invite` from a member who did not create the session (from the actor). */
  INVITE_FORBIDDEN: SessionErrors.INVITE_FORBIDDEN,
  /** The session keeps no more invitations (from the actor). */
  INVITES_FULL: SessionErrors.INVITES_FULL,
  /** As many turns wait as a session queues: retry once one is committed (from the actor). */
  TURN_QUEUE_FULL: SessionErrors.TURN_QUEUE_FULL,
  /** `turn-failed`: the run failed without a code of its own. */
  TURN_FAILED: SessionErrors.TURN_FAILED,
  /** `turn-failed`: every narrator of the chain failed (from the turn graph). */
  NARRATION_UNAVAILABLE: NarrationErrors.UNAVAILABLE,
  /** `turn-failed`: the checks of the rules step failed, overran, or the rules pool was busy, closed or given a bad request. */
  RULES_FAILED: RulesErrors.FAILED,
  RULES_TIMEOUT: RulesErrors.TIMEOUT,
  RULES_BUSY: RulesErrors.BUSY,
  RULES_INVALID: RulesErrors.INVALID,
  RULES_ABORTED: RulesErrors.ABORTED,
  RULES_CLOSED: RulesErrors.CLOSED,
  /** `turn-failed`: the narration matched the Prohibited Capabilities registry; it was not sent. */
  SAFETY_REFUSED: SafetyErrors.REFUSED,
  /** A turn refused (or `turn-failed`) because its world spent its weekly budget: no LLM call was made (docs/BUDGETS.md). */
  BUDGET_EXHAUSTED: BudgetErrors.EXHAUSTED,
  /** A turn refused (or `turn-failed`) because its session spent its cost ceiling. */
  BUDGET_SESSION_EXHAUSTED: BudgetErrors.SESSION_EXHAUSTED,
  /** `turn-failed`: the world's budget could not be asked; no LLM call was made. */
  BUDGET_UNAVAILABLE: BudgetErrors.UNAVAILABLE,
  /** The moderation API's GM queue `take` of a session not in the queue. */
  GM_ITEM_NOT_FOUND: BudgetErrors.GM_ITEM_NOT_FOUND,
  /** The node runs no turns (no `turns` service): a turn is refused. */
  UNKNOWN_SERVICE: ServiceErrors.UNKNOWN,
  /** The player is muted in this room or session (from the actor). */
  MUTED: ModerationErrors.MUTED,
  /** The room or session is paused by a moderator (from the actor). */
  PAUSED: ModerationErrors.PAUSED,
  /** The room is locked: only its members and moderators may enter (from the actor). */
  ROOM_LOCKED: ModerationErrors.LOCKED,
  /** A `redact` of a seq (or turn) its room (or session) has not reached (checked before the override is sent). */
  SEQ_NOT_REACHED: ModerationErrors.SEQ_NOT_REACHED,
  /** A send across nodes that Redis could not take (cluster mode). */
  TRANSPORT_UNAVAILABLE: TransportErrorCodes.TRANSPORT_UNAVAILABLE,
  MALFORMED_ENTRY: TransportErrorCodes.MALFORMED_ENTRY,
  FORGED_ENTRY: TransportErrorCodes.FORGED_ENTRY,
  TRANSPORT_STATE: TransportErrorCodes.TRANSPORT_STATE,
  /** No audit log is configured or PostgreSQL is unreachable: the override was not applied. */
  AUDIT_UNAVAILABLE: AuditErrors.UNAVAILABLE,
  // The ops API's.
  OPS_INVALID_REQUEST: OpsErrors.INVALID_REQUEST,
  OPS_AUDIT_FAILED: OpsErrors.AUDIT_FAILED,
  OPS_NOT_FOUND: OpsErrors.NOT_FOUND,
  OPS_NO_PEERS: OpsErrors.NO_PEERS,
  OPS_UNKNOWN_NODE: OpsErrors.UNKNOWN_NODE,
  OPS_UNREACHABLE: OpsPublisherErrors.UNREACHABLE,
  OPS_TIMEOUT: OpsPublisherErrors.TIMEOUT,
  OPS_REMOTE_FAILED: OpsPublisherErrors.REMOTE_FAILED,
  // A `search` frame's.
  SEARCH_INVALID_QUERY: SearchErrors.INVALID_QUERY,
  /** The node has no search index, or it did not answer. */
  SEARCH_UNAVAILABLE: SearchErrors.UNAVAILABLE,
  SEARCH_INVALID_DOCUMENT: SearchErrors.INVALID_DOCUMENT,
  SEARCH_CLOSED: SearchErrors.CLOSED,
  // The archive's (history pages, and new lines or turns while it is behind).
  ARCHIVE_BEHIND: ArchiveErrors.BEHIND,
  ARCHIVE_CORRUPT: ArchiveErrors.CORRUPT,
  ARCHIVE_UNAVAILABLE: ArchiveErrors.UNAVAILABLE,
} as const;

export type ProtocolErrorCode = (typeof ProtocolErrors)[keyof typeof ProtocolErrors];
