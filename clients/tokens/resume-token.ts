import { z } from 'zod';
import type { TokenCheck } from './access-token.js';
import { checkLifetime, signGlassJwt, verifyGlassJwt } from './glass-jwt.js';
import { IdSchema, ProtocolErrors, ProtocolLimits } from '../protocol/index.js';

export const RESUME_AUDIENCE = 'glass:resume';
/** Longest life of a resume token (the gateway's resumeTokenTtlMs is at most this). */
export const MAX_RESUME_TTL_MS = 30 * 24 * 3_600_000;

/**
 * What a connection was: its player, character and rooms. Signed by the gateway and handed to the
 * client, so any node of the cluster (sharing the node-held secret, never the access-token key) can take the connection over without a
 * shared buffer: the rooms replay what was missed from their own history.
 */
export interface ResumeClaims {
  readonly player: string;
  readonly character: string;
  readonly rooms: readonly string[];
  /** The sessions it was in (tokens signed before sessions had members carry none). */
  readonly sessions: readonly string[];
  /** Unix time in milliseconds. */
  readonly issuedAt: number;
}

const Claims = z.object({
  sub: IdSchema,
  chr: IdSchema,
  rooms: z.array(IdSchema).max(ProtocolLimits.RESUME_MAX_ROOMS),
  ses: z.array(IdSchema).max(ProtocolLimits.RESUME_MAX_SESSIONS).optional(),
  iat: z.number().int(),
});

export async function signResumeToken(key: Uint8Array, claims: { player: string; character: string; rooms: readonly string[]; sessions?: readonly string[] }, ttlMs: number): Promise<string> {
  const sessions = claims.sessions === undefined || claims.sessions.length === 0 ? {} : { ses: [...claims.sessions] };
  return signGlassJwt(key, RESUME_AUDIENCE, claims.player, { chr: claims.character, rooms: [...claims.rooms], ...sessions }, ttlMs);
}

/** Verifies a resume token (signature, audience, expiry, shape). Never throws. */
export async function verifyResumeToken(key: Uint8Array, token: string): Promise<TokenCheck<ResumeClaims>> {
  const invalid = (message: string) => ({ ok: false, code: ProtocolErrors.RESUME_INVALID, message }) as const;
  let payload: Record<string, unknown>;
  try {
    payload = await verifyGlassJwt(key, token, RESUME_AUDIENCE);
  } catch {
    return invalid('resume token invalid or expired: join the rooms again');
  }
  if (checkLifetime(payload, MAX_RESUME_TTL_MS) !== null) return invalid('resume token issued in the future or living too long: join the rooms again');
  const claims = Claims.safeParse(payload);
  if (!claims.success) return invalid('resume token claims invalid');
  const { sub, chr, rooms, ses, iat } = claims.data;
  return { ok: true, claims: { player: sub, character: chr, rooms, sessions: ses ?? [], issuedAt: iat * 1000 } };
}
