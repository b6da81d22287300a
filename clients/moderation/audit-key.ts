// The audit key: the HMAC-SHA256 key each audit row's MAC is made with. PostgreSQL never holds it,
// so whoever can write to the database alone cannot rewrite a row and re-chain the rest.
import { ClusterKey, ClusterKeyError, resolveClusterKey } from '../../cluster/index.js';
import { GlassError } from '../../runtime/index.js';

/** Codes of the audit log's own configuration: thrown at start or by `glass audit verify`, never answered to a client. */
export const AuditSetupErrors = {
  /** The audit key is missing, too short, in a file others can read, or equal to the token key. */
  KEY: 'GLASS_ERR_AUDIT_KEY',
  /** The anchor cannot be read or written, is readable by others, is for another log, or does not carry the audit key's MAC. */
  ANCHOR: 'GLASS_ERR_AUDIT_ANCHOR',
} as const;

/** Where the generated key lives when neither GLASS_AUDIT_KEY nor GLASS_AUDIT_KEY_FILE is set. */
export const DEFAULT_AUDIT_KEY_FILE = '.data/audit-key';

export class AuditKeyError extends GlassError {
  constructor(message: string) {
    super(AuditSetupErrors.KEY, message);
    this.name = 'AuditKeyError';
  }
}

/** What a key is given as: an AuditKey, or its text or bytes (at least 32). */
export type AuditKeyInput = AuditKey | string | Uint8Array;

/**
 * The key, kept out of reach of logs (a private field: JSON.stringify and util.inspect show only
 * where it came from). `mac` is HMAC-SHA256 over one text, as 64 hex digits.
 */
export class AuditKey {
  readonly source: 'option' | 'env' | 'file' | 'generated';
  readonly path?: string;
  readonly #key: ClusterKey;

  constructor(key: ClusterKey) {
    this.#key = key;
    this.source = key.source;
    if (key.path !== undefined) this.path = key.path;
  }

  /** A key from its text or bytes (at least 32). */
  static of(input: AuditKeyInput): AuditKey {
    if (input instanceof AuditKey) return input;
    return renamed(() => new AuditKey(new ClusterKey(typeof input === 'string' ? Buffer.from(input, 'utf8') : input, 'option')));
  }

  mac(text: string): string {
    return this.#key.mac(text).toString('hex');
  }

  toJSON(): object {
    return { source: this.source, path: this.path };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `AuditKey(${this.source}${this.path === undefined ? '' : ` ${this.path}`})`;
  }
}

/**
 * The audit key from configuration: GLASS_AUDIT_KEY (at least 32 characters), else the file
 * GLASS_AUDIT_KEY_FILE (default .data/audit-key, from the working directory), created on first use
 * with 32 random bytes as base64 text, mode 0600; a file others can read is refused, and so is a key
 * equal to the token key (AuditKeyError, GLASS_ERR_AUDIT_KEY). Every node writing one chain, and
 * `glass audit verify`, need the same key. The file handling is the cluster key's
 * (cluster/cluster-key.ts), given the audit key's names.
 */
export function resolveAuditKey(env: NodeJS.ProcessEnv = process.env): AuditKey {
  const mapped: NodeJS.ProcessEnv = {
    GLASS_CLUSTER_KEY: env.GLASS_AUDIT_KEY,
    GLASS_CLUSTER_KEY_FILE: env.GLASS_AUDIT_KEY_FILE || DEFAULT_AUDIT_KEY_FILE,
    GLASS_TOKEN_SECRET: env.GLASS_TOKEN_SECRET,
    GLASS_TOKEN_SECRET_FILE: env.GLASS_TOKEN_SECRET_FILE,
  };
  return renamed(() => new AuditKey(resolveClusterKey(mapped)));
}

/** The cluster key's refusals, told in the audit key's words and code. */
function renamed<T>(make: () => T): T {
  try {
    return make();
  } catch (err) {
    if (!(err instanceof ClusterKeyError)) throw err;
    throw new AuditKeyError(err.message.replaceAll('GLASS_CLUSTER_KEY', 'GLASS_AUDIT_KEY').replaceAll('cluster key', 'audit key'));
  }
}
