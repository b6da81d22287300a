// The one error type the SDK rejects and reports with: the server's stable code, or a client-side one.
import type { ProtocolErrorCode } from '../protocol/index.js';

/** Codes the SDK decides itself (the server's are in `ProtocolErrors`). Stable: match on them. */
export const ClientErrors = {
  /** `close()` was called (or the client had already given up): the request was not sent, or its answer will not come. */
  CLOSED: 'GLASS_CLIENT_ERR_CLOSED',
  /** A request before `connect()`. */
  NOT_CONNECTED: 'GLASS_CLIENT_ERR_NOT_CONNECTED',
  /** The first connection did not reach `welcome` (refused upgrade, unreachable host, timeout). */
  CONNECT_FAILED: 'GLASS_CLIENT_ERR_CONNECT_FAILED',
  /** The socket closed after the request was sent and before its answer: its outcome is unknown. */
  CONNECTION_LOST: 'GLASS_CLIENT_ERR_CONNECTION_LOST',
  /** No answer within `requestTimeoutMs` (time spent queued included). The outcome is unknown if it was sent. */
  TIMEOUT: 'GLASS_CLIENT_ERR_TIMEOUT',
  /** `maxQueued` requests were already waiting for a connection. */
  QUEUE_FULL: 'GLASS_CLIENT_ERR_QUEUE_FULL',
  /** The request fails the protocol's schema (bad id, text too long): it was not sent. */
  INVALID_REQUEST: 'GLASS_CLIENT_ERR_INVALID_REQUEST',
  /** An option of `new GlassClient` is out of range. */
  INVALID_OPTION: 'GLASS_CLIENT_ERR_INVALID_OPTION',
  /** The server sent a frame outside protocol v1 (a newer or broken server); it was ignored. */
  BAD_SERVER_FRAME: 'GLASS_CLIENT_ERR_BAD_SERVER_FRAME',
  /** The token function threw or returned something that is not a non-empty string. */
  TOKEN_UNAVAILABLE: 'GLASS_CLIENT_ERR_TOKEN_UNAVAILABLE',
  /** The upgrade was refused with HTTP 401 and the token is a fixed string (only seen where the WebSocket reports the status). */
  TOKEN_REFUSED: 'GLASS_CLIENT_ERR_TOKEN_REFUSED',
  /** `reconnect.maxAttempts` reconnections in a row failed: the client is closed. */
  RECONNECT_FAILED: 'GLASS_CLIENT_ERR_RECONNECT_FAILED',
} as const;

export type ClientErrorCode = (typeof ClientErrors)[keyof typeof ClientErrors];

/** Every code a `GlassClientError` may carry; a newer server may send codes this version does not list. */
export type GlassClientErrorCode = ProtocolErrorCode | ClientErrorCode | (string & {});

export interface GlassClientErrorDetails {
  /** With `GLASS_ERR_RATE_LIMITED`: when the server accepts the next frame. */
  retryAfterMs?: number;
  /** The room or session the failed request or event was about. */
  room?: string;
  session?: string;
  /** The WebSocket close code that ended the connection, when that is the cause. */
  closeCode?: number;
  /** The HTTP status of a refused upgrade, where the WebSocket implementation reports it (not browsers). */
  upgradeStatus?: number;
  cause?: unknown;
}

export class GlassClientError extends Error {
  override readonly name = 'GlassClientError';
  readonly code: GlassClientErrorCode;
  readonly retryAfterMs: number | undefined;
  readonly room: string | undefined;
  readonly session: string | undefined;
  readonly closeCode: number | undefined;
  readonly upgradeStatus: number | undefined;

  constructor(code: GlassClientErrorCode, message: string, details: GlassClientErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.retryAfterMs = details.retryAfterMs;
    this.room = details.room;
    this.session = details.session;
    this.closeCode = details.closeCode;
    this.upgradeStatus = details.upgradeStatus;
  }
}
