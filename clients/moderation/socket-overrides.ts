import type { OverrideFrame, OverrideRequest } from '../protocol/index.js';
import type { AccessClaims } from '../tokens/index.js';
import { attemptOf, rawOverrideAttempt, type ModerationDesk, type OverrideOutcome } from './moderation-desk.js';

/**
 * The desk as the gateway's sockets reach it (the gateway's OverrideHandler): every call is an
 * override that came in over a WebSocket (`ws` in the audit row).
 */
export function socketOverrides(desk: ModerationDesk) {
  return {
    submit: (claims: AccessClaims, request: OverrideRequest): Promise<OverrideOutcome> => desk.submit(claims, 'ws', request),
    refuse: (claims: AccessClaims, frame: OverrideFrame, code: string): Promise<void> => desk.refuse(claims, 'ws', attemptOf(frame), code),
    refuseRaw(claims: AccessClaims, data: ArrayBuffer, code: string): Promise<void> | null {
      const attempt = rawOverrideAttempt(data);
      return attempt === null ? null : desk.refuse(claims, 'ws', attempt, code);
    },
    applied: (auditId: number): void => desk.applied(auditId),
    close: (): void => desk.close(),
  };
}
