// The suite's token pair: every node it starts verifies with the public key (GLASS_TOKEN_PUBLIC_KEY),
// the suite signs players', moderators' and ops' tokens with the private one.
import { randomBytes } from 'node:crypto';
import { generateTokenKeyPair, publicKeyPem, signAccessToken, type Role } from '../../../clients/index.js';

export const SUITE_PAIR = generateTokenKeyPair();
/** A forger's pair: well-formed tokens no node trusts. */
export const FORGER_PAIR = generateTokenKeyPair();

/** What every suite node needs to verify tokens and sign resume tokens. */
export function tokenEnv(): Record<string, string> {
  return { GLASS_TOKEN_PUBLIC_KEY: publicKeyPem(SUITE_PAIR.publicKey), GLASS_TOKEN_SECRET: randomBytes(32).toString('base64url') };
}

export function tokenFor(player: string, roles: Role[] = ['player'], ttlMs = 3_600_000): Promise<string> {
  return signAccessToken(SUITE_PAIR.privateKey, { player, character: `${player}-char`, roles, ttlMs });
}

export function forgedToken(player: string, roles: Role[] = ['player']): Promise<string> {
  return signAccessToken(FORGER_PAIR.privateKey, { player, character: `${player}-char`, roles, ttlMs: 3_600_000 });
}
