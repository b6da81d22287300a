// Protocol v1's version, the limits its schemas enforce, and the WebSocket close codes the gateway uses.

export const PROTOCOL_VERSION = 1;

/** Limits the schemas enforce. Text limits match the room and session actors' own checks. */
export const ProtocolLimits = {
  ID_MAX_LENGTH: 128,
  REF_MAX_LENGTH: 128,
  SAY_MAX_LENGTH: 2_000,
  TURN_MAX_LENGTH: 4_000,
  /** A token (access or resume) longer than this is refused unread. */
  TOKEN_MAX_LENGTH: 8_192,
  /** Rooms one connection may be in; one resume may name; one resume token may carry. */
  RESUME_MAX_ROOMS: 64,
  /** Sessions one connection may be in; one resume may name; one resume token may carry. */
  RESUME_MAX_SESSIONS: 16,
  /** Default largest frame the gateway reads, in bytes (UTF-8). */
  DEFAULT_MAX_FRAME_BYTES: 16_384,
  /** An override's `reason`. */
  REASON_MAX_LENGTH: 500,
  /** An override's `text` (narration, safety note). */
  OVERRIDE_TEXT_MAX_LENGTH: 2_000,
  /** A `search` frame's query text (the SearchIndex's own bound). */
  SEARCH_MAX_LENGTH: 200,
  /** Hits one `search` frame may ask for. */
  SEARCH_MAX_RESULTS: 20,
  /** Entries one `history` page may ask for (and the default page). */
  HISTORY_MAX_PAGE: 100,
  HISTORY_DEFAULT_PAGE: 50,
} as const;

/** WebSocket close codes the gateway uses (4000-4999 are the application's range). */
export const CloseCodes = {
  /** The server is shutting down; reconnect (to any node) and resume. */
  GOING_AWAY: 1001,
  /** The same player opened another connection on this node; this one is superseded. */
  REPLACED: 4001,
  /** The client did not read fast enough (unsent output over the hard limit); reconnect and resume. */
  SLOW_CONSUMER: 4008,
  /** The access token expired; get a new one, reconnect and resume. */
  TOKEN_EXPIRED: 4401,
} as const;

