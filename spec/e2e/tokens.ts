import { randomBytes, type KeyObject } from 'node:crypto';
import { generateTokenKeyPair, signAccessToken, type Role } from '../../clients/index.js';

/** The access-token pair every test gateway of this process verifies with (public) and the tests sign with (private). */
export const TEST_PAIR: { readonly publicKey: KeyObject; readonly privateKey: KeyObject } = generateTokenKeyPair();
/** The public key: what a node holds. */
export const TEST_KEY: KeyObject = TEST_PAIR.publicKey;
/** The node-held secret of the test gateways' resume tokens (never the access-token key). */
export const TEST_RESUME_KEY: Uint8Array = new Uint8Array(randomBytes(32));
/** The gateway's key options, spread into startGateway: `...TEST_KEYS`. */
export const TEST_KEYS: { readonly tokenKey: KeyObject; readonly resumeKey: Uint8Array } = { tokenKey: TEST_KEY, resumeKey: TEST_RESUME_KEY };

export interface TokenOptions {
  character?: string;
  roles?: Role[];
  ttlMs?: number;
  /** Another private key (a forger's); default the test pair's. */
  key?: KeyObject;
}

/** An access token for `player` (character `<player>-char` unless given). */
export function tokenFor(player: string, options: TokenOptions = {}): Promise<string> {
  return signAccessToken(options.key ?? TEST_PAIR.privateKey, {
    player,
    character: options.character ?? `${player}-char`,
    roles: options.roles ?? ['player'],
    ttlMs: options.ttlMs ?? 3_600_000,
  });
}
