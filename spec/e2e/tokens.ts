import { randomBytes } from 'node:crypto';
import { signAccessToken, type Role } from '../../clients/index.js';

/** The key every test gateway of this process signs and verifies with. */
export const TEST_KEY: Uint8Array = new Uint8Array(randomBytes(32));

export interface TokenOptions {
  character?: string;
  roles?: Role[];
  ttlMs?: number;
  key?: Uint8Array;
}

/** An access token for `player` (character `<player>-char` unless given). */
export function tokenFor(player: string, options: TokenOptions = {}): Promise<string> {
  return signAccessToken(options.key ?? TEST_KEY, {
    player,
    character: options.character ?? `${player}-char`,
    roles: options.roles ?? ['player'],
    ttlMs: options.ttlMs ?? 3_600_000,
  });
}
