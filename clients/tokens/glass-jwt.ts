import { SignJWT, jwtVerify } from 'jose';
import type { KeyObject } from 'node:crypto';
import { tokenAlgorithm, type TokenAlgorithm } from './token-keys.js';

export const TOKEN_ISSUER = 'glass';
/** The algorithm of the resume tokens the nodes issue to themselves (HMAC with the node-held secret). */
export const RESUME_ALGORITHM = 'HS256';
/** How far in the future a token's `iat` may be (the issuer's clock ahead of the node's): 30 s. */
export const CLOCK_TOLERANCE_MS = 30_000;

/** A signing key: an Ed25519 or P-256 private key (access tokens), or the node-held secret (resume tokens). */
export type GlassSigningKey = KeyObject | Uint8Array;

function algorithmOf(key: GlassSigningKey): TokenAlgorithm | typeof RESUME_ALGORITHM {
  return key instanceof Uint8Array ? RESUME_ALGORITHM : tokenAlgorithm(key);
}

/** Signs a glass token for `audience`, about `subject`, living `ttlMs` (`iat` now, `exp` after it). */
export function signGlassJwt(key: GlassSigningKey, audience: string, subject: string, payload: Record<string, unknown>, ttlMs: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: algorithmOf(key), typ: 'JWT' })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(audience)
    .setSubject(subject)
    .setIssuedAt(now)
    .setExpirationTime(now + Math.ceil(ttlMs / 1000))
    .sign(key);
}

/**
 * The payload of a glass token for `audience`: signature (only the key's own algorithm: a public
 * key never accepts HS256 or "none"), issuer, expiry checked. Rejects with jose's error. The
 * lifetime bounds are checkLifetime's, after this.
 */
export async function verifyGlassJwt(key: GlassSigningKey, token: string, audience: string): Promise<Record<string, unknown>> {
  const { payload } = await jwtVerify(token, key, { algorithms: [algorithmOf(key)], issuer: TOKEN_ISSUER, audience, requiredClaims: ['sub', 'iat'] });
  return payload as Record<string, unknown>;
}

/** Why an authentic token's times are refused, or null: `exp` absent, `iat` ahead of the clock, or a life past `maxLifetimeMs`. */
export function checkLifetime(payload: Record<string, unknown>, maxLifetimeMs: number, nowMs: number = Date.now()): 'no-exp' | 'future-iat' | 'too-long' | null {
  const { iat, exp } = payload;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return 'no-exp';
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return 'too-long';
  if (iat * 1000 > nowMs + CLOCK_TOLERANCE_MS) return 'future-iat';
  // The issuer rounds the life up to whole seconds: one second of slack.
  if ((exp - iat) * 1000 > maxLifetimeMs + 1_000) return 'too-long';
  return null;
}
