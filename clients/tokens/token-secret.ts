import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { GlassError } from '../../runtime/index.js';

export const TokenSecretErrors = {
  /** GLASS_TOKEN_SECRET is set but too short to be a real key. */
  WEAK_SECRET: 'GLASS_ERR_WEAK_TOKEN_SECRET',
  /** The secret file can be read by others than its owner (like ssh, refused rather than used). */
  INSECURE_SECRET_FILE: 'GLASS_ERR_INSECURE_SECRET_FILE',
  /** An access-token key is missing, unreadable, not Ed25519/P-256, or (to sign) only the public half is configured. */
  TOKEN_KEY: 'GLASS_ERR_TOKEN_KEY',
} as const;

/** Where the generated secret lives when neither GLASS_TOKEN_SECRET nor GLASS_TOKEN_SECRET_FILE is set. */
export const DEFAULT_SECRET_FILE = '.data/token-secret';
/** Characters (of GLASS_TOKEN_SECRET) or bytes (of the file) below which a secret is refused. */
export const MIN_SECRET_LENGTH = 32;

/** The nodes' own secret (resume tokens), and where it came from (for a log line: never the key). */
export interface TokenSecret {
  readonly key: Uint8Array;
  readonly source: 'env' | 'file' | 'generated';
  /** The file, for `file` and `generated`. */
  readonly path?: string;
}

/**
 * The node-held HMAC secret of the resume tokens the gateway issues and verifies itself (never of
 * access tokens: those are verified with a public key, see token-keys.ts): GLASS_TOKEN_SECRET, else
 * the file GLASS_TOKEN_SECRET_FILE (default .data/token-secret, from the working directory), created
 * on first use with 32 random bytes and mode 0600. Every node of a cluster must share it (a resume
 * token is taken back by any node): set GLASS_TOKEN_SECRET. Issuers never need it.
 */
export async function resolveTokenSecret(env: NodeJS.ProcessEnv = process.env): Promise<TokenSecret> {
  const fromEnv = env.GLASS_TOKEN_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < MIN_SECRET_LENGTH) {
      throw new GlassError(TokenSecretErrors.WEAK_SECRET, `GLASS_TOKEN_SECRET must be at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -base64 32)`);
    }
    return { key: new TextEncoder().encode(fromEnv), source: 'env' };
  }
  const path = resolve(env.GLASS_TOKEN_SECRET_FILE || DEFAULT_SECRET_FILE);
  const existing = await readSecretFile(path);
  if (existing !== null) return { key: existing, source: 'file', path };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // Written whole under a private name, then linked into place: link fails if the file exists, so
  // two processes creating it at once (glass start and glass token) agree on one key, and nobody
  // ever reads a half-written file.
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, path);
    return { key: (await readSecretFile(path))!, source: 'generated', path };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { key: (await readSecretFile(path))!, source: 'file', path };
  } finally {
    await unlink(temp).catch(() => {});
  }
}

async function readSecretFile(path: string): Promise<Uint8Array | null> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new GlassError(TokenSecretErrors.INSECURE_SECRET_FILE, `${path} is readable by others: chmod 600 it (or delete it to make a new key)`);
  }
  const text = (await readFile(path, 'utf8')).trim();
  if (text.length < MIN_SECRET_LENGTH) throw new GlassError(TokenSecretErrors.WEAK_SECRET, `${path} holds fewer than ${MIN_SECRET_LENGTH} characters`);
  return new TextEncoder().encode(text);
}
