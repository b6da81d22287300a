import { NO_REPLY } from '../envelope.js';
import { ErrorCodes } from '../errors.js';
import type { QuarantineLog, QuarantinedMessage } from '../quarantine.js';
import type { MainRouter } from './main-router.js';
import type { BlockedWorker } from './worker-watchdog.js';

/** A quarantine entry for the message a blocked worker was handling when the watchdog ended it. */
export interface BlockedMessage extends QuarantinedMessage {
  readonly reason: 'blocked';
  readonly thread: number;
  /** How long the worker's loop had not turned when it was ended. */
  readonly blockedForMs: number;
  /**
   * Whether `message` is the message itself: only for one that came from another node (the main
   * thread kept it for its receipt). A message sent inside the node was the dead worker's alone;
   * its type is known, its content is not, and it cannot be re-driven.
   */
  readonly redrivable: boolean;
}

/**
 * Takes the message a blocked worker was handling out of its way, before the worker is ended: a
 * message from another node is acknowledged (neither redelivered to the replacement nor read
 * again from its stream) and its asker answered GLASS_ERR_QUARANTINED; every blocked message the
 * pulse names is recorded in the node's quarantine with its context. Returns the entry, or null
 * when the worker was blocked outside any handler.
 */
export function quarantineBlocked(router: MainRouter, quarantine: QuarantineLog, blocked: BlockedWorker, id: string): BlockedMessage | null {
  const e = router.settleUnhandled(blocked.receipt);
  const to = blocked.key ?? e?.to ?? null;
  if (to === null) return null;
  const entry: BlockedMessage = {
    id,
    to,
    from: e?.from ?? null,
    seq: e?.seq ?? 0,
    messageType: blocked.messageType ?? (typeof e?.msg?.type === 'string' ? (e.msg.type as string) : 'unknown'),
    message: e?.msg,
    error: `blocked its worker (thread ${blocked.thread}) for ${blocked.forMs} ms`,
    attempts: 1,
    at: blocked.since,
    reason: 'blocked',
    thread: blocked.thread,
    blockedForMs: blocked.forMs,
    redrivable: e !== undefined,
  };
  quarantine.record(entry);
  if (e !== undefined && e.replyThread !== NO_REPLY) {
    router.reply(e, undefined, {
      code: ErrorCodes.QUARANTINED,
      message: `message quarantined: ${entry.error}`,
      details: { actor: to, quarantineId: id, blockedForMs: blocked.forMs },
    });
  }
  return entry;
}
