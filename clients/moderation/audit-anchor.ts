// The chain's head kept outside PostgreSQL: after appends, the node writes the last row's id and
// MAC and the row count to an anchor (a 0600 file by default; the interface lets a versioned object
// store take its place). `glass audit verify` compares the table with it, which is how a deleted
// tail or an emptied table is seen: a database alone cannot move a head it does not hold.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { GlassError } from '../../runtime/index.js';
import type { AnchorHead } from './audit-chain.js';
import { AuditSetupErrors, type AuditKey } from './audit-key.js';

/** Where the anchor is when GLASS_AUDIT_ANCHOR_FILE is not set: one file per schema under the data directory. */
export function defaultAnchorFile(schema: string): string {
  return schema === 'public' ? '.data/audit-anchor' : `.data/audit-anchor-${schema}`;
}

export class AuditAnchorError extends GlassError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(AuditSetupErrors.ANCHOR, message, undefined, options);
    this.name = 'AuditAnchorError';
  }
}

/**
 * Somewhere outside the database that keeps one text: the sealed head. `read` is null when nothing
 * was written yet. A write replaces the whole text atomically (a reader sees the old or the new one).
 */
export interface AuditAnchor {
  read(): Promise<string | null>;
  write(text: string): Promise<void>;
  /** For logs and messages: where it is (never a secret). */
  describe(): string;
}

/** The anchor in a file, mode 0600 in a 0700 directory, replaced by writing a temporary file and renaming it. */
export class FileAuditAnchor implements AuditAnchor {
  readonly path: string;

  constructor(path: string) {
    this.path = resolve(path);
  }

  /** GLASS_AUDIT_ANCHOR_FILE, else the schema's default file. */
  static fromEnv(schema: string, env: NodeJS.ProcessEnv = process.env): FileAuditAnchor {
    return new FileAuditAnchor(env.GLASS_AUDIT_ANCHOR_FILE || defaultAnchorFile(schema));
  }

  async read(): Promise<string | null> {
    let mode: number;
    try {
      mode = (await stat(this.path)).mode;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new AuditAnchorError(`the audit anchor ${this.path} cannot be read`, { cause: err });
    }
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) throw new AuditAnchorError(`the audit anchor ${this.path} is readable by others: chmod 600 it`);
    return readFile(this.path, 'utf8');
  }

  async write(text: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temp, text, { mode: 0o600, flag: 'wx' });
      await rename(temp, this.path);
    } catch (err) {
      await unlink(temp).catch(() => {});
      throw new AuditAnchorError(`the audit anchor ${this.path} cannot be written`, { cause: err });
    }
  }

  describe(): string {
    return `file ${this.path}`;
  }
}

/** Which log an anchor is for: the database's name and the schema (not the host: the CLI may reach it by another name). */
export interface AnchorChain {
  database: string;
  schema: string;
}

/** The head as JSON, with the audit key's MAC over it and the chain it belongs to. */
export function sealAnchor(key: AuditKey, chain: AnchorChain, head: AnchorHead, at: number = Date.now()): string {
  const body = { v: 1, database: chain.database, schema: chain.schema, id: head.id, hash: head.hash, count: head.count, keyedFrom: head.keyedFrom, at };
  return JSON.stringify({ ...body, mac: key.mac(JSON.stringify(body)) }) + '\n';
}

/** The head in a sealed text; AuditAnchorError if it is not one, not for this chain, or not made with this key. */
export function openAnchor(key: AuditKey, chain: AnchorChain, text: string, where: string): AnchorHead {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new AuditAnchorError(`the audit anchor (${where}) is not JSON`);
  }
  const { mac, ...body } = parsed ?? {};
  const b = body as { v?: unknown; database?: unknown; schema?: unknown; id?: unknown; hash?: unknown; count?: unknown; keyedFrom?: unknown; at?: unknown };
  const sealed = { v: b.v, database: b.database, schema: b.schema, id: b.id, hash: b.hash, count: b.count, keyedFrom: b.keyedFrom, at: b.at };
  if (typeof mac !== 'string' || key.mac(JSON.stringify(sealed)) !== mac) throw new AuditAnchorError(`the audit anchor (${where}) does not carry the audit key's MAC: it was altered, or the key differs`);
  if (b.database !== chain.database || b.schema !== chain.schema) throw new AuditAnchorError(`the audit anchor (${where}) is for ${String(b.database)}/${String(b.schema)}, not ${chain.database}/${chain.schema}`);
  if (!isCount(b.id) || !isCount(b.count) || typeof b.hash !== 'string' || !(b.keyedFrom === null || isCount(b.keyedFrom))) throw new AuditAnchorError(`the audit anchor (${where}) is malformed`);
  return { id: b.id, hash: b.hash, count: b.count, keyedFrom: b.keyedFrom };
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
