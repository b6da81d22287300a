// The cluster key: the HMAC-SHA256 key every node of a cluster signs what it writes to Redis with
// (stream entries, ops reports and requests, member records, the development store's URL), and
// verifies what it reads. Redis is outside the trust boundary: whoever can write to it, without
// the key, can neither deliver a message nor steal placement nor run an ops action.
import { createHmac, randomBytes, timingSafeEqual, type KeyObject, createSecretKey } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { GlassError } from '../runtime/index.js';

export const ClusterKeyErrors = {
  /** The cluster key is missing, too short, readable by others, or equal to the token key. */
  CLUSTER_KEY: 'GLASS_ERR_CLUSTER_KEY',
} as const;

/** Where the generated key lives when neither GLASS_CLUSTER_KEY nor GLASS_CLUSTER_KEY_FILE is set. */
export const DEFAULT_CLUSTER_KEY_FILE = '.data/cluster-key';
/** Characters (of GLASS_CLUSTER_KEY, of the file) below which a key is refused. */
export const MIN_CLUSTER_KEY_LENGTH = 32;
/** The token key's defaults, to refuse a cluster key equal to it (see clients/tokens/token-secret.ts). */
const DEFAULT_TOKEN_SECRET_FILE = '.data/token-secret';

/** A MAC is 32 bytes (HMAC-SHA256). */
export const MAC_LENGTH = 32;

export class ClusterKeyError extends GlassError {
  constructor(message: string) {
    super(ClusterKeyErrors.CLUSTER_KEY, message);
    this.name = 'ClusterKeyError';
  }
}

/** What a key is given as: a ClusterKey, or its text (at least 32 characters) or bytes (at least 32). */
export type ClusterKeyInput = ClusterKey | string | Uint8Array;

/**
 * The key, kept out of reach of logs (a private field: JSON.stringify and util.inspect show only
 * where it came from). `mac` signs a list of parts, each length-prefixed so that no two lists
 * give the same bytes.
 */
export class ClusterKey {
  readonly source: 'option' | 'env' | 'file' | 'generated';
  /** The file, for `file` and `generated`. */
  readonly path?: string;
  readonly #key: KeyObject;
  readonly #bytes: Buffer;

  constructor(bytes: Uint8Array, source: ClusterKey['source'] = 'option', path?: string) {
    if (bytes.length < MIN_CLUSTER_KEY_LENGTH) throw new ClusterKeyError(`the cluster key must be at least ${MIN_CLUSTER_KEY_LENGTH} characters (e.g. openssl rand -base64 32)`);
    this.#bytes = Buffer.from(bytes);
    this.#key = createSecretKey(this.#bytes);
    this.source = source;
    if (path !== undefined) this.path = path;
  }

  /** HMAC-SHA256 over the parts, each preceded by its byte length (4 bytes, big-endian). */
  mac(...parts: readonly (string | Uint8Array)[]): Buffer {
    const h = createHmac('sha256', this.#key);
    const len = Buffer.allocUnsafe(4);
    for (const part of parts) {
      const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
      len.writeUInt32BE(bytes.length, 0);
      h.update(len);
      h.update(bytes);
    }
    return h.digest();
  }

  /** Whether `mac` is the MAC of the parts; constant-time in the MAC's bytes. */
  verify(mac: Uint8Array | undefined | null, ...parts: readonly (string | Uint8Array)[]): boolean {
    if (mac === undefined || mac === null || mac.length !== MAC_LENGTH) return false;
    return timingSafeEqual(this.mac(...parts), mac);
  }

  /** Whether these bytes are this key (constant-time): to refuse a key equal to the token key. */
  equals(bytes: Uint8Array): boolean {
    return bytes.length === this.#bytes.length && timingSafeEqual(bytes, this.#bytes);
  }

  /**
   * The key's bytes sealed for this node's own worker threads (cluster/streams/worker-streams.ts):
   * they cross to a worker in its workerData, a structured clone that copies `bytes`; logs and
   * JSON see only where the key came from.
   */
  sealForWorkers(): SealedClusterKey {
    return new SealedClusterKey(this.#bytes, this.source);
  }

  toJSON(): object {
    return { source: this.source, path: this.path };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ClusterKey(${this.source}${this.path === undefined ? '' : ` ${this.path}`})`;
  }
}

/** The cluster key on its way to a worker thread: its bytes are an own field (cloned), its printed forms hide them. */
export class SealedClusterKey {
  readonly bytes: Uint8Array;
  readonly source: ClusterKey['source'];

  constructor(bytes: Uint8Array, source: ClusterKey['source']) {
    this.bytes = Uint8Array.from(bytes);
    this.source = source;
  }

  toJSON(): object {
    return { source: this.source };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SealedClusterKey(${this.source})`;
  }
}

/** The key a worker was handed (a SealedClusterKey after its structured clone: plain data). */
export function unsealClusterKey(sealed: { bytes: Uint8Array; source: ClusterKey['source'] }): ClusterKey {
  return new ClusterKey(sealed.bytes, sealed.source);
}

/**
 * The cluster key from configuration: GLASS_CLUSTER_KEY (at least 32 characters), else the file
 * GLASS_CLUSTER_KEY_FILE (default .data/cluster-key, from the working directory), created on first
 * use with 32 random bytes as base64 text, mode 0600; a file others can read is refused. Every node
 * of a cluster must share it: processes of one working directory share the file, nodes of several
 * machines set GLASS_CLUSTER_KEY (or the same file). Refused (ClusterKeyError,
 * GLASS_ERR_CLUSTER_KEY) when equal to the token key. Synchronous: the transports resolve it in
 * their constructors.
 */
export function resolveClusterKey(env: NodeJS.ProcessEnv = process.env): ClusterKey {
  const key = readClusterKey(env);
  refuseTokenKey(key, env);
  return key;
}

/** The key given, else the configured one (resolveClusterKey); either way never the token key. */
export function clusterKeyFrom(input: ClusterKeyInput | undefined, env: NodeJS.ProcessEnv = process.env): ClusterKey {
  if (input === undefined) return resolveClusterKey(env);
  const key = input instanceof ClusterKey ? input : new ClusterKey(typeof input === 'string' ? Buffer.from(input, 'utf8') : input, 'option');
  refuseTokenKey(key, env);
  return key;
}

function readClusterKey(env: NodeJS.ProcessEnv): ClusterKey {
  const fromEnv = env.GLASS_CLUSTER_KEY;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < MIN_CLUSTER_KEY_LENGTH) {
      throw new ClusterKeyError(`GLASS_CLUSTER_KEY must be at least ${MIN_CLUSTER_KEY_LENGTH} characters (e.g. openssl rand -base64 32)`);
    }
    return new ClusterKey(Buffer.from(fromEnv, 'utf8'), 'env');
  }
  const path = resolve(env.GLASS_CLUSTER_KEY_FILE || DEFAULT_CLUSTER_KEY_FILE);
  const existing = readKeyFile(path, 'GLASS_CLUSTER_KEY_FILE');
  if (existing !== null) return new ClusterKey(existing, 'file', path);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Written whole under a private name, then linked into place: link fails if the file exists, so
  // nodes starting at once from one directory agree on one key, and none reads a half-written file.
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, randomBytes(32).toString('base64') + '\n');
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
    return new ClusterKey(readKeyFile(path, 'GLASS_CLUSTER_KEY_FILE')!, 'generated', path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return new ClusterKey(readKeyFile(path, 'GLASS_CLUSTER_KEY_FILE')!, 'file', path);
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
  }
}

/** The file's trimmed text as bytes; null when there is no file. */
function readKeyFile(path: string, what: string): Buffer | null {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new ClusterKeyError(`${path} (${what}) is readable by others: chmod 600 it (or delete it to make a new key)`);
  }
  const text = readFileSync(path, 'utf8').trim();
  if (text.length < MIN_CLUSTER_KEY_LENGTH) throw new ClusterKeyError(`${path} (${what}) holds fewer than ${MIN_CLUSTER_KEY_LENGTH} characters`);
  return Buffer.from(text, 'utf8');
}

/** The token key as clients/tokens finds it (GLASS_TOKEN_SECRET, else its file if there is one): never the cluster key. */
function refuseTokenKey(key: ClusterKey, env: NodeJS.ProcessEnv): void {
  const candidates: Buffer[] = [];
  if (env.GLASS_TOKEN_SECRET !== undefined && env.GLASS_TOKEN_SECRET !== '') candidates.push(Buffer.from(env.GLASS_TOKEN_SECRET, 'utf8'));
  else {
    try {
      candidates.push(Buffer.from(readFileSync(resolve(env.GLASS_TOKEN_SECRET_FILE || DEFAULT_TOKEN_SECRET_FILE), 'utf8').trim(), 'utf8'));
    } catch {
      // No token secret file (yet): nothing to compare with.
    }
  }
  for (const token of candidates) {
    if (key.equals(token)) throw new ClusterKeyError('the cluster key must not be the token key: set GLASS_CLUSTER_KEY (or GLASS_CLUSTER_KEY_FILE) to a key of its own');
  }
}
