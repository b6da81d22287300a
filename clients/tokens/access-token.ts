import { errors as joseErrors } from 'jose';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { InvalidOptionError } from '../../runtime/index.js';
import { checkLifetime, signGlassJwt, verifyGlassJwt } from './glass-jwt.js';
import { tokenAlgorithm } from './token-keys.js';
import { IdSchema, ProtocolErrors, ProtocolLimits, RoleSchema, type Role } from '../protocol/index.js';

export { CLOCK_TOLERANCE_MS, TOKEN_ISSUER } from './glass-jwt.js';
export const ACCESS_AUDIENCE = 'glass:player';
/** Longest life `signAccessToken` gives a token. */
export const MAX_ACCESS_TTL_MS = 30 * 24 * 3_600_000;

/** Who a connection is: from a verified access token only. */
export interface AccessClaims {
  readonly player: string;
  readonly character: string;
  readonly roles: readonly Role[];
  /** Unix time in milliseconds. */
  readonly expiresAt: number;
}

const Claims = z.object({
  sub: IdSchema,
  chr: IdSchema,
  roles: z.array(RoleSchema).min(1).max(3).refine((r) => new Set(r).size === r.length, 'roles repeat'),
  exp: z.number().int(),
  iat: z.number().int(),
});

export type TokenCheck<T> = { readonly ok: true; readonly claims: T } | { readonly ok: false; readonly code: string; readonly message: string };

/** Signs an access token with the issuer's private key (Ed25519: EdDSA, P-256: ES256): for `glass token`, tests and whatever login service issues them. */
export async function signAccessToken(key: KeyObject, claims: { player: string; character: string; roles?: readonly Role[]; ttlMs: number }): Promise<string> {
  if (!IdSchema.safeParse(claims.player).success) throw new InvalidOptionError('player', 'an id (1 to 128 of A-Z a-z 0-9 . _ -)', claims.player);
  if (!IdSchema.safeParse(claims.character).success) throw new InvalidOptionError('character', 'an id (1 to 128 of A-Z a-z 0-9 . _ -)', claims.character);
  const roles = [...new Set(claims.roles ?? ['player'])];
  if (roles.length === 0 || !roles.every((r) => RoleSchema.safeParse(r).success)) throw new InvalidOptionError('roles', 'player, moderator and/or ops', roles);
  if (!Number.isInteger(claims.ttlMs) || claims.ttlMs < 1_000 || claims.ttlMs > MAX_ACCESS_TTL_MS) {
    throw new InvalidOptionError('ttlMs', `an integer from 1000 to ${MAX_ACCESS_TTL_MS}`, claims.ttlMs);
  }
  tokenAlgorithm(key);
  if (key.type !== 'private') throw new InvalidOptionError('key', 'the private key of the token pair (only the issuer holds it)', '[key]');
  return signGlassJwt(key, ACCESS_AUDIENCE, claims.player, { chr: claims.character, roles }, claims.ttlMs);
}

/**
 * Verifies an access token against the public key: signature (the key's own algorithm only: an
 * HS256 token, whatever its secret, is refused), issuer, audience, expiry, the lifetime bounds
 * (`exp` present, `iat` at most CLOCK_TOLERANCE_MS ahead, `exp - iat` at most MAX_ACCESS_TTL_MS),
 * then the claims' shape. Never throws; the failure's message says what is wrong without echoing the token.
 */
export async function verifyAccessToken(key: KeyObject, token: string): Promise<TokenCheck<AccessClaims>> {
  if (token.length === 0) return { ok: false, code: ProtocolErrors.TOKEN_MISSING, message: 'no access token' };
  if (token.length > ProtocolLimits.TOKEN_MAX_LENGTH) return { ok: false, code: ProtocolErrors.TOKEN_INVALID, message: 'access token too long' };
  let payload: Record<string, unknown>;
  try {
    payload = await verifyGlassJwt(key, token, ACCESS_AUDIENCE);
  } catch (err) {
    // jose checks the signature before any claim, so only an authentic token is ever "expired".
    if (err instanceof joseErrors.JWTExpired) return { ok: false, code: ProtocolErrors.TOKEN_EXPIRED, message: 'access token expired' };
    return { ok: false, code: ProtocolErrors.TOKEN_INVALID, message: 'access token invalid' };
  }
  // Only an authentic token gets this far: its issuer's clock or its life is wrong.
  const times = checkLifetime(payload, MAX_ACCESS_TTL_MS);
  if (times === 'future-iat') return { ok: false, code: ProtocolErrors.TOKEN_NOT_YET_VALID, message: 'access token issued in the future (check the issuer\'s clock)' };
  if (times !== null) return { ok: false, code: ProtocolErrors.TOKEN_LIFETIME, message: `access token has no expiry or lives longer than ${MAX_ACCESS_TTL_MS / 86_400_000} days` };
  const claims = Claims.safeParse(payload);
  if (!claims.success) return { ok: false, code: ProtocolErrors.TOKEN_INVALID, message: 'access token claims invalid' };
  const { sub, chr, roles, exp } = claims.data;
  return { ok: true, claims: { player: sub, character: chr, roles, expiresAt: exp * 1000 } };
}
