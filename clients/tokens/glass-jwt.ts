import { SignJWT, jwtVerify } from 'jose';

export const TOKEN_ISSUER = 'glass';
/** The only algorithm accepted: a token naming another (or "none") is refused before any check. */
export const TOKEN_ALGORITHM = 'HS256';

/** Signs a glass token (HS256) for `audience`, about `subject`, living `ttlMs`. */
export function signGlassJwt(key: Uint8Array, audience: string, subject: string, payload: Record<string, unknown>, ttlMs: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: 'JWT' })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(audience)
    .setSubject(subject)
    .setIssuedAt(now)
    .setExpirationTime(now + Math.ceil(ttlMs / 1000))
    .sign(key);
}

/** The payload of a glass token for `audience`: signature (HS256 only), issuer, expiry checked. Rejects with jose's error. */
export async function verifyGlassJwt(key: Uint8Array, token: string, audience: string): Promise<unknown> {
  const { payload } = await jwtVerify(token, key, { algorithms: [TOKEN_ALGORITHM], issuer: TOKEN_ISSUER, audience, requiredClaims: ['sub', 'exp', 'iat'] });
  return payload;
}
