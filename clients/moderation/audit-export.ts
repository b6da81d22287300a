// The audit chain exported to the ObjectStore (a versioned bucket: every head written stays as a
// version): segments of rows as PostgreSQL held them, then a head sealed with the audit key naming
// each segment's range, size and SHA-256. `compare` checks PostgreSQL against it: a row changed or
// removed in PostgreSQL after it was exported is named by its id, whatever the database now says.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { GlassError, type ObjectStore } from '../../runtime/index.js';
import { checkChain, type AuditRow, type ChainVerdict } from './audit-chain.js';
import type { AuditKey } from './audit-key.js';
import type { AuditLog } from './audit-log.js';

export const AuditExportErrors = {
  /** The export's head or a segment does not verify (MAC, size, SHA-256, schema, range): it was altered. */
  CORRUPT: 'GLASS_ERR_AUDIT_EXPORT_CORRUPT',
} as const;

export class AuditExportError extends GlassError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(AuditExportErrors.CORRUPT, message, details);
    this.name = 'AuditExportError';
  }
}

export const AUDIT_EXPORT_BUCKET = 'glass-audit';
export const DEFAULT_AUDIT_EXPORT_EVERY_MS = 86_400_000;
const SEGMENT_ROWS = 1_000;
/** Rows one run exports at most (the next run goes on). */
const RUN_ROWS = 50_000;

const RowSchema = z
  .object({
    id: z.number().int().positive(),
    at: z.number().int().nonnegative(),
    node: z.string().max(1_024),
    moderator: z.string().max(1_024),
    roles: z.array(z.string().max(256)).max(64),
    source: z.string().max(256),
    outcome: z.enum(['accepted', 'refused']),
    code: z.string().max(256).nullable(),
    targetKind: z.string().max(256).nullable(),
    targetId: z.string().max(1_024).nullable(),
    command: z.string().max(256).nullable(),
    args: z.record(z.string(), z.union([z.string(), z.number()])),
    prevHash: z.string().regex(/^[0-9a-f]{64}$/),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
const SegmentSchema = z.object({ v: z.literal(1), from: z.number().int().positive(), to: z.number().int().positive(), rows: z.array(RowSchema).max(SEGMENT_ROWS) }).strict();
const SegmentRef = z.object({ key: z.string().max(1_024), from: z.number().int().positive(), to: z.number().int().positive(), bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict();
const HeadBody = z.object({ v: z.literal(1), database: z.string(), schema: z.string(), id: z.number().int().nonnegative(), hash: z.string(), at: z.number().int(), segments: z.array(SegmentRef).max(1_000_000) }).strict();
type ExportHead = z.infer<typeof HeadBody>;

/** What `compare` finds: rows PostgreSQL no longer holds as exported, by id. */
export interface ExportComparison {
  /** Rows in the export. */
  exported: number;
  /** The export's own chain, walked with the key. */
  verdict: ChainVerdict;
  changed: number[];
  missing: number[];
}

export class AuditExport {
  readonly prefix: string;
  readonly #log: AuditLog;
  readonly #store: ObjectStore;
  readonly #key: AuditKey;

  constructor(log: AuditLog, store: ObjectStore) {
    this.#log = log;
    this.#store = store;
    this.#key = log.describe().key;
    this.prefix = `audit/${safe(log.chain.database)}/${log.chain.schema}/`;
  }

  /** Exports the rows appended since the last run; null when there were none. */
  async run(at: number = Date.now()): Promise<{ rows: number; head: number } | null> {
    const head = await this.readHead();
    let after = head?.id ?? 0;
    let hash = head?.hash ?? '';
    const segments = [...(head?.segments ?? [])];
    let exported = 0;
    while (exported < RUN_ROWS) {
      const rows = await this.#log.rowsAfter(after, SEGMENT_ROWS);
      if (rows.length === 0) break;
      const from = rows[0].id;
      const to = rows[rows.length - 1].id;
      const key = `${this.prefix}rows-${String(from).padStart(12, '0')}-${String(to).padStart(12, '0')}.json`;
      const bytes = Buffer.from(JSON.stringify({ v: 1, from, to, rows }));
      await this.#store.put(key, bytes);
      segments.push({ key, from, to, bytes: bytes.length, sha256: sha256(bytes) });
      after = to;
      hash = rows[rows.length - 1].hash;
      exported += rows.length;
      if (rows.length < SEGMENT_ROWS) break;
    }
    if (exported === 0) return null;
    const body: ExportHead = { v: 1, database: this.#log.chain.database, schema: this.#log.chain.schema, id: after, hash, at, segments };
    await this.#store.put(`${this.prefix}head.json`, JSON.stringify({ ...body, mac: this.#key.mac(JSON.stringify(body)) }));
    return { rows: exported, head: after };
  }

  /** The head, its MAC checked with the key; null when nothing was exported yet. */
  async readHead(): Promise<ExportHead | null> {
    const bytes = await this.#store.get(`${this.prefix}head.json`);
    if (bytes === undefined) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      throw new AuditExportError('the audit export head is not JSON');
    }
    const { mac, ...rest } = (parsed ?? {}) as Record<string, unknown>;
    const body = HeadBody.safeParse(rest);
    if (!body.success || typeof mac !== 'string' || this.#key.mac(JSON.stringify(body.data)) !== mac) throw new AuditExportError("the audit export head does not carry the audit key's MAC: it was altered, or the key differs");
    if (body.data.database !== this.#log.chain.database || body.data.schema !== this.#log.chain.schema) throw new AuditExportError(`the audit export head is for ${body.data.database}/${body.data.schema}`);
    return body.data;
  }

  /** Reads the export back (every segment checked against the head), walks it, and compares PostgreSQL with it row by row. */
  async compare(): Promise<ExportComparison | null> {
    const head = await this.readHead();
    if (head === null) return null;
    const exported: AuditRow[] = [];
    let next = 1;
    for (const ref of head.segments) {
      if (!ref.key.startsWith(this.prefix) || ref.from !== next || ref.to < ref.from) throw new AuditExportError(`the audit export head names a segment out of place (${ref.key.slice(0, 200)})`);
      const bytes = await this.#store.get(ref.key);
      if (bytes === undefined || bytes.length !== ref.bytes || sha256(bytes) !== ref.sha256) throw new AuditExportError(`the audit export segment ${ref.key} is missing or does not match its head`, { key: ref.key });
      let seg: z.infer<typeof SegmentSchema>;
      try {
        seg = SegmentSchema.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
      } catch {
        throw new AuditExportError(`the audit export segment ${ref.key} is malformed`, { key: ref.key });
      }
      if (seg.from !== ref.from || seg.to !== ref.to || seg.rows.length !== ref.to - ref.from + 1 || seg.rows.some((r, i) => r.id !== ref.from + i)) throw new AuditExportError(`the audit export segment ${ref.key} does not hold rows ${ref.from}…${ref.to}`, { key: ref.key });
      exported.push(...(seg.rows as AuditRow[]));
      next = ref.to + 1;
    }
    const verdict = await checkChain(exported, { key: this.#key, anchor: exported.length === 0 ? null : { id: head.id, hash: head.hash, count: head.id, keyedFrom: null } });
    const changed: number[] = [];
    const missing: number[] = [];
    for (let i = 0; i < exported.length; i += SEGMENT_ROWS) {
      const batch = exported.slice(i, i + SEGMENT_ROWS);
      const live = new Map((await this.#log.rowsAfter(batch[0].id - 1, SEGMENT_ROWS)).map((r) => [r.id, r]));
      for (const row of batch) {
        const now = live.get(row.id);
        if (now === undefined) missing.push(row.id);
        else if (canonical(now) !== canonical(row)) changed.push(row.id);
      }
    }
    return { exported: exported.length, verdict, changed, missing };
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A database name as one key segment. */
function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100) || 'default';
}

/** JSON with sorted keys: jsonb reorders `args`. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map(canonical).join(',') + ']';
  return '{' + Object.keys(value).sort().map((k) => JSON.stringify(k) + ':' + canonical((value as Record<string, unknown>)[k])).join(',') + '}';
}
