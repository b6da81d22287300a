// What the transport tells the outside: its errors (stable codes), status, events and counters.
import { ErrorCodes, GlassError, type Envelope } from '../../runtime/index.js';
import type { StreamDelivery } from './redis-streams-delivery.js';

import { TransportErrorCodes } from './transport-errors.js';

export { TransportErrorCodes };

/** Why a send was refused or given up; `details.reason` carries it for logs and tests. */
export const UnavailableReason = {
  /** Retried with backoff until `giveUpAfterMs` without Redis taking the entry. */
  GAVE_UP: 'gave-up',
  /** More than `maxQueuedEnvelopes` were waiting for Redis: refused at once, nothing queued. */
  QUEUE_FULL: 'queue-full',
  /** The transport closed before Redis took the entry. */
  CLOSED: 'closed',
  /** `start` did not reach Redis within `startTimeoutMs`. */
  NOT_CONNECTED: 'not-connected',
} as const;
export type UnavailableReason = (typeof UnavailableReason)[keyof typeof UnavailableReason];

export class TransportUnavailableError extends GlassError {
  constructor(reason: UnavailableReason, message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super(TransportErrorCodes.TRANSPORT_UNAVAILABLE, message, { reason, ...details }, cause === undefined ? undefined : { cause });
    this.name = 'TransportUnavailableError';
  }
}

/**
 * Some envelopes of a send could not be encoded (a function, a symbol, a cycle in the message).
 * The same code as an uncloneable message between threads, so callers handle both alike; the
 * envelopes are attached so the router can refuse each one (ask → error, tell → dead letter).
 */
export class UnencodableEnvelopeError extends GlassError {
  readonly envelopes: readonly Envelope[];

  constructor(node: string, envelopes: readonly Envelope[], cause: unknown) {
    const first = envelopes[0];
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      ErrorCodes.INVALID_MESSAGE,
      `cannot encode ${envelopes.length === 1 ? 'a message' : `${envelopes.length} messages`} for node ${node} (to ${first.to}, ${messageTypeOf(first.msg)}): ${why}`,
      { node, to: first.to, messageType: messageTypeOf(first.msg), count: envelopes.length },
      { cause },
    );
    this.name = 'UnencodableEnvelopeError';
    this.envelopes = envelopes;
  }
}

export class MalformedEntryError extends GlassError {
  constructor(stream: string, id: string, why: string, cause?: unknown) {
    super(TransportErrorCodes.MALFORMED_ENTRY, `stream entry ${stream} ${id} cannot be decoded: ${why}`, { stream, id }, cause === undefined ? undefined : { cause });
    this.name = 'MalformedEntryError';
  }
}

/** An entry that failed verification (see entryMac): acknowledged, deleted, counted, never delivered. */
export class ForgedEntryError extends GlassError {
  constructor(stream: string, id: string, why: string, details: Record<string, unknown> = {}) {
    super(TransportErrorCodes.FORGED_ENTRY, `stream entry ${stream} ${id} refused: ${why}`, { stream, id, ...details });
    this.name = 'ForgedEntryError';
  }
}

/**
 * A genuine entry whose nonce the receiver has already accepted in an earlier entry of the same
 * stream (see replay-window.ts): a copy written back, or the sender's retry of an entry whose reply
 * was lost. Handled like a forged one (acknowledged, deleted, counted, never delivered).
 */
export class ReplayedEntryError extends ForgedEntryError {
  constructor(stream: string, id: string, sender: string) {
    super(stream, id, `replayed: its nonce from ${sender} was already accepted in this stream`, { reason: 'replayed', sender });
    this.name = 'ReplayedEntryError';
  }
}

function messageTypeOf(msg: unknown): string {
  return msg !== null && typeof msg === 'object' && typeof (msg as { type?: unknown }).type === 'string'
    ? (msg as { type: string }).type
    : '(untyped)';
}

/**
 * What ops and the node see of the transport. `degraded` means Redis is unreachable or refusing:
 * sends wait in the queue (bounded, retried with backoff), the reader waits for the reconnect,
 * local actors are unaffected. It returns to `ready` on its own when Redis is back.
 */
export const TransportStatus = {
  IDLE: 'idle',
  STARTING: 'starting',
  READY: 'ready',
  DEGRADED: 'degraded',
  CLOSED: 'closed',
} as const;
export type TransportStatus = (typeof TransportStatus)[keyof typeof TransportStatus];

export type RedisStreamsEvents = {
  /** Every change of status; `cause` is the error that made it degraded. */
  status: [status: TransportStatus, cause: unknown];
  /** Envelopes that will not be sent: Redis did not take them within `giveUpAfterMs`, or the transport closed. */
  undeliverable: [node: string, envelopes: readonly Envelope[], error: TransportUnavailableError];
  /** An entry that could not be decoded; it was acknowledged, since it can never be handled. */
  malformed: [error: MalformedEntryError];
  /** An entry that failed verification (forged, signed with another key, replayed from another stream): acknowledged, deleted, never delivered. */
  forged: [error: ForgedEntryError];
  /** The consumer group of a stream was created: at the first start, or again after Redis lost it. */
  group: [stream: string];
  /** Entries below `floor` were trimmed from `stream` (by `trim()` or the periodic trim). */
  trimmed: [stream: string, count: number, floor: string];
  /** A dead node's stream was drained and deleted (removeIfDrained). */
  removed: [stream: string];
  /** An entry of this node's pending list delivered `maxDeliveries` times already, not delivered again: the consumer refuses and acknowledges it. */
  exhausted: [delivery: StreamDelivery];
  /** The deliver callback threw; the entry stays unacknowledged. */
  'deliver-error': [error: unknown, delivery: StreamDelivery];
};

export interface RedisStreamsStats {
  status: TransportStatus;
  /** Accepted by send and not yet stored in Redis (nor given up). */
  queuedEnvelopes: number;
  sentEntries: number;
  sentEnvelopes: number;
  /** Backoff rounds the sender waited through. */
  sendRetries: number;
  givenUpEnvelopes: number;
  receivedEntries: number;
  receivedEnvelopes: number;
  /** Entries refused because their MAC was missing or wrong (forged), or they were replayed: never delivered. */
  rejectedEntries: number;
  /** Of those, entries refused as replays (ReplayedEntryError). */
  replayedEntries: number;
  /** Delivered and not yet acknowledged by the consumer. */
  inFlightEntries: number;
  /** Acknowledged by the consumer and not yet taken by Redis. */
  pendingAcks: number;
}
