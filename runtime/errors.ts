/**
 * Every failure the runtime reports is a GlassError with a stable string `code`. Codes are the
 * contract (tests and clients match on them); messages are for people and may change.
 */
export const ErrorCodes = {
  ASK_TIMEOUT: 'GLASS_ERR_ASK_TIMEOUT',
  MAILBOX_FULL: 'GLASS_ERR_MAILBOX_FULL',
  UNKNOWN_KIND: 'GLASS_ERR_UNKNOWN_KIND',
  UNKNOWN_MESSAGE: 'GLASS_ERR_UNKNOWN_MESSAGE',
  INVALID_MESSAGE: 'GLASS_ERR_INVALID_MESSAGE',
  INVALID_ADDRESS: 'GLASS_ERR_INVALID_ADDRESS',
  INVALID_OPTION: 'GLASS_ERR_INVALID_OPTION',
  ACTOR_FAILED: 'GLASS_ERR_ACTOR_FAILED',
  ACTIVATION_FAILED: 'GLASS_ERR_ACTIVATION_FAILED',
  NO_ROUTE: 'GLASS_ERR_NO_ROUTE',
  NODE_CLOSED: 'GLASS_ERR_NODE_CLOSED',
  WORKER_FAILED: 'GLASS_ERR_WORKER_FAILED',
  STORE_FAILED: 'GLASS_ERR_STORE_FAILED',
  STORE_CONFLICT: 'GLASS_ERR_STORE_CONFLICT',
  ACTOR_STOPPED: 'GLASS_ERR_ACTOR_STOPPED',
  QUARANTINED: 'GLASS_ERR_QUARANTINED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** The plain form an error takes to cross a thread or a socket. */
export interface WireError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export class GlassError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GlassError';
    this.code = code;
    this.details = details;
  }

  toWire(): WireError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export class AskTimeoutError extends GlassError {
  constructor(target: string, messageType: string, timeoutMs: number) {
    super(ErrorCodes.ASK_TIMEOUT, `ask to ${target} (${messageType}) got no reply within ${timeoutMs} ms`, {
      target,
      messageType,
      timeoutMs,
    });
    this.name = 'AskTimeoutError';
  }
}

export class MailboxFullError extends GlassError {
  constructor(target: string, capacity: number) {
    super(ErrorCodes.MAILBOX_FULL, `mailbox of ${target} is full (capacity ${capacity})`, { target, capacity });
    this.name = 'MailboxFullError';
  }
}

export class UnknownKindError extends GlassError {
  constructor(kind: string) {
    super(ErrorCodes.UNKNOWN_KIND, `no actor kind named "${kind}" is registered`, { kind });
    this.name = 'UnknownKindError';
  }
}

export class InvalidOptionError extends GlassError {
  constructor(option: string, expectation: string, received: unknown) {
    super(ErrorCodes.INVALID_OPTION, `options.${option} must be ${expectation} (received ${describe(received)})`, {
      option,
    });
    this.name = 'InvalidOptionError';
  }
}

/** Rebuilds an error that crossed a thread boundary, keeping its code. */
export function errorFromWire(wire: WireError): GlassError {
  return new GlassError(wire.code, wire.message, wire.details);
}

/** Any thrown value as a WireError; unknown errors keep their message, never their stack. */
export function toWireError(err: unknown, fallbackCode: string = ErrorCodes.ACTOR_FAILED): WireError {
  if (err instanceof GlassError) return err.toWire();
  const message = err instanceof Error ? err.message : String(err);
  return { code: fallbackCode, message };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
