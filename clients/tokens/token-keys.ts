// The access-token key pair: issuing is not verifying. Nodes verify with a public key (Ed25519,
// alg EdDSA, or P-256, alg ES256); only the issuer (`glass token`, `glass mod`, `glass ops`, a
// login service) holds the private key. Nothing here ever logs or returns key material as text.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { GlassError } from '../../runtime/index.js';
import { TokenSecretErrors } from './token-secret.js';

/** The signature algorithms an access token may use: one per key type, never a shared secret. */
export type TokenAlgorithm = 'EdDSA' | 'ES256';
export const TOKEN_ALGORITHMS: readonly TokenAlgorithm[] = ['EdDSA', 'ES256'];

/** Where the development key pair lives when no key is configured (from the working directory). */
export const DEFAULT_PRIVATE_KEY_FILE = '.data/token-private-key.pem';
export const DEFAULT_PUBLIC_KEY_FILE = '.data/token-public-key.pem';
/** Longest key text read (from the environment or a file): a PEM or JWK is far shorter. */
const MAX_KEY_TEXT = 16 * 1024;

/** A resolved key and where it came from (for a log line: never the key). */
export interface ResolvedTokenKey {
  readonly key: KeyObject;
  readonly algorithm: TokenAlgorithm;
  readonly source: 'env' | 'file' | 'generated';
  /** The file, for `file` and `generated`. */
  readonly path?: string;
  /** The development pair under .data/ (nothing configured). */
  readonly development?: boolean;
}

function keyError(message: string): GlassError {
  return new GlassError(TokenSecretErrors.TOKEN_KEY, message);
}

/** The algorithm a key signs or verifies with; refuses secret keys, RSA and other curves. */
export function tokenAlgorithm(key: unknown): TokenAlgorithm {
  const k = key as KeyObject | null;
  if (k === null || typeof k !== 'object' || (k.type !== 'public' && k.type !== 'private')) {
    throw keyError('a token key must be an Ed25519 or P-256 key pair (a public or private KeyObject), not a shared secret');
  }
  if (k.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw keyError(`a token key must be Ed25519 (EdDSA) or P-256 (ES256), not ${k.asymmetricKeyType ?? 'unknown'}`);
}

/** A key from PEM or JWK text; `what` names where it came from, for the message (never the text). */
export function parseTokenKey(text: string, kind: 'public' | 'private', what: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_KEY_TEXT) throw keyError(`${what} is empty or too long to be a key`);
  let key: KeyObject;
  try {
    const input = trimmed.startsWith('{') ? { key: JSON.parse(trimmed) as object, format: 'jwk' as const } : trimmed;
    // createPublicKey also takes a private key (and derives its public half): refuse that, so a
    // node is never configured with the issuer's key by mistake.
    if (kind === 'public' && /PRIVATE KEY|"d"\s*:/.test(trimmed)) throw keyError(`${what} holds a private key: nodes need only the public key`);
    key = kind === 'public' ? createPublicKey(input as never) : createPrivateKey(input as never);
  } catch (err) {
    if (err instanceof GlassError) throw err;
    throw keyError(`${what} is not a ${kind} key in PEM or JWK form`);
  }
  tokenAlgorithm(key);
  return key;
}

/** The PEM text of a public key (what GLASS_TOKEN_PUBLIC_KEY takes). */
export function publicKeyPem(key: KeyObject): string {
  return (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'pem' }).toString();
}

/** A fresh Ed25519 pair: for the development default and for tests. */
export function generateTokenKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

function configured(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

/** Whether the environment names any token key (then nothing is generated). */
function anyKeyConfigured(env: NodeJS.ProcessEnv): boolean {
  return configured(env.GLASS_TOKEN_PUBLIC_KEY) || configured(env.GLASS_TOKEN_PUBLIC_KEY_FILE) || configured(env.GLASS_TOKEN_PRIVATE_KEY_FILE);
}

/**
 * The key a node verifies access tokens with: GLASS_TOKEN_PUBLIC_KEY (PEM or JWK text), else the
 * file GLASS_TOKEN_PUBLIC_KEY_FILE, else (nothing configured: a development machine) the public
 * half of the pair under .data/, generated once. Every node of a cluster is given the same public key.
 */
export async function resolveTokenPublicKey(env: NodeJS.ProcessEnv = process.env): Promise<ResolvedTokenKey> {
  if (configured(env.GLASS_TOKEN_PUBLIC_KEY)) {
    const key = parseTokenKey(env.GLASS_TOKEN_PUBLIC_KEY, 'public', 'GLASS_TOKEN_PUBLIC_KEY');
    return { key, algorithm: tokenAlgorithm(key), source: 'env' };
  }
  if (configured(env.GLASS_TOKEN_PUBLIC_KEY_FILE)) {
    const path = resolve(env.GLASS_TOKEN_PUBLIC_KEY_FILE);
    const text = await readKeyFile(path, false);
    if (text === null) throw keyError(`GLASS_TOKEN_PUBLIC_KEY_FILE ${path} does not exist`);
    const key = parseTokenKey(text, 'public', path);
    return { key, algorithm: tokenAlgorithm(key), source: 'file', path };
  }
  if (configured(env.GLASS_TOKEN_PRIVATE_KEY_FILE)) {
    // An issuer and a node on one machine: the node needs only the public half.
    const privateKey = await resolveTokenPrivateKey(env);
    const key = createPublicKey(privateKey.key);
    return { key, algorithm: privateKey.algorithm, source: 'file', path: privateKey.path! };
  }
  const pair = await developmentPair();
  const key = createPublicKey(pair.key);
  return { key, algorithm: pair.algorithm, source: pair.source, path: resolve(DEFAULT_PUBLIC_KEY_FILE), development: true };
}

/**
 * The key `glass token` (and `glass mod`, `glass ops`) signs access tokens with: the file
 * GLASS_TOKEN_PRIVATE_KEY_FILE (PEM or JWK, mode 0600); else, when no key is configured at all,
 * the development pair under .data/ (generated once, shared with `glass start` from the same
 * directory). A machine configured with only the public key cannot sign: refused, with the reason.
 */
export async function resolveTokenPrivateKey(env: NodeJS.ProcessEnv = process.env): Promise<ResolvedTokenKey> {
  if (configured(env.GLASS_TOKEN_PRIVATE_KEY_FILE)) {
    const path = resolve(env.GLASS_TOKEN_PRIVATE_KEY_FILE);
    const text = await readKeyFile(path, true);
    if (text === null) throw keyError(`GLASS_TOKEN_PRIVATE_KEY_FILE ${path} does not exist: only the issuer holds the private key`);
    const key = parseTokenKey(text, 'private', path);
    return { key, algorithm: tokenAlgorithm(key), source: 'file', path };
  }
  if (anyKeyConfigured(env)) {
    throw keyError('no private key to sign with: this machine has only the public key (GLASS_TOKEN_PUBLIC_KEY*); set GLASS_TOKEN_PRIVATE_KEY_FILE to the issuer\'s private key file');
  }
  return developmentPair();
}

/** The development pair's private key, generated under .data/ on first use (private 0600, public beside it). */
async function developmentPair(): Promise<ResolvedTokenKey> {
  const path = resolve(DEFAULT_PRIVATE_KEY_FILE);
  const publicPath = resolve(DEFAULT_PUBLIC_KEY_FILE);
  let text = await readKeyFile(path, true);
  let source: ResolvedTokenKey['source'] = 'file';
  if (text === null) {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const pem = generateTokenKeyPair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    // Written whole under a private name, then linked into place: link fails if the file exists,
    // so `glass start` and `glass token` creating it at once agree on one pair.
    const temp = join(dirname(path), `.token-key.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(temp, pem, { mode: 0o600, flag: 'wx' });
    try {
      await link(temp, path);
      source = 'generated';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      await unlink(temp).catch(() => {});
    }
    text = (await readKeyFile(path, true))!;
  }
  const key = parseTokenKey(text, 'private', path);
  // The public half next to it, for whoever configures other nodes (GLASS_TOKEN_PUBLIC_KEY_FILE).
  if ((await readKeyFile(publicPath, false)) === null) await writeFile(publicPath, publicKeyPem(key), { mode: 0o644 }).catch(() => {});
  return { key, algorithm: tokenAlgorithm(key), source, path, development: true };
}

/** A key file's text, or null if it does not exist; a private key readable by others is refused. */
async function readKeyFile(path: string, secret: boolean): Promise<string | null> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw keyError(`${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!info.isFile() || info.size > MAX_KEY_TEXT) throw keyError(`${path} is not a key file`);
  if (secret && process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new GlassError(TokenSecretErrors.INSECURE_SECRET_FILE, `${path} is readable by others: chmod 600 it (or delete it to make a new key)`);
  }
  return readFile(path, 'utf8');
}
