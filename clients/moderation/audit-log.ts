import { EventEmitter } from 'node:events';
import pg from 'pg';
import { GlassError, InvalidOptionError, createLogger, type Logger } from '../../runtime/index.js';
import { Backoff } from '../../supervisors/index.js';
import { AuditErrors } from '../protocol/index.js';
import { AnchorWriter, type AnchorStats } from './audit-anchor-writer.js';
import { FileAuditAnchor, openAnchor, type AnchorChain, type AuditAnchor } from './audit-anchor.js';
import { GENESIS_HASH, checkChain, macEntry, type AnchorHead, type AuditEntry, type AuditRow, type ChainVerdict } from './audit-chain.js';
import { AuditKey, resolveAuditKey } from './audit-key.js';
import { RefusalRecorder } from './audit-refusals.js';
import { auditTables, migrateAuditSchema, type AuditTables } from './audit-migration.js';
import { toRow, type PgRow } from './audit-rows.js';
import { AUDIT_DEFAULTS as DEFAULTS, databaseOf, describePgUrl, positive, type AuditLogOptions } from './audit-options.js';

export class AuditUnavailableError extends GlassError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(AuditErrors.UNAVAILABLE, message, undefined, options);
  }
}

/** `connecting` until the first migration, then `ready`, `unavailable` while PostgreSQL is away, `closed`. */
export type AuditStatus = 'connecting' | 'ready' | 'unavailable' | 'closed';

/** Where an appended row sits: its id and hash (what broadcasts and logs carry). */
export interface AuditReceipt {
  id: number;
  hash: string;
}

const READ_BATCH = 1_000;


/** What verifyAnchored says: the verdict, and the anchor it was checked against (null: none yet). */
export interface AnchoredVerdict {
  verdict: ChainVerdict;
  anchor: AnchorHead | null;
  where: string;
}

/**
 * The moderation audit log: a chain in PostgreSQL (pg) whose rows carry HMAC-SHA256 MACs made with
 * the audit key, which the database does not hold, and whose head is also kept outside it (the
 * anchor). Appends are serialized across every node by a transaction-scoped advisory lock; the head
 * is the last row, so an append is one INSERT: the node's role needs no UPDATE or DELETE.
 *
 * It never makes its caller wait for PostgreSQL to come back: while it is away `append` throws
 * AuditUnavailableError at once, and a loop reconnects (and migrates) in the background.
 */
export class AuditLog {
  readonly tables: AuditTables;
  /** Refusals go through here: written within a bound per caller, counted past it. */
  readonly refusals: RefusalRecorder;
  readonly #pool: pg.Pool;
  readonly #log: Logger;
  readonly #where: string;
  /** No jitter: one log per node, and its first retry is due soon after the outage is noticed. */
  readonly #retry: Backoff;
  readonly #poolSize: number;
  readonly #events = new EventEmitter();
  readonly #key: AuditKey;
  readonly #anchor: AuditAnchor | null;
  readonly #anchorWriter: AnchorWriter | null;
  readonly #chain: AnchorChain;
  /** The first keyed row (from the database at start, else this log's first append). */
  #keyedFrom: number | null = null;
  #status: AuditStatus = 'connecting';
  #timer: NodeJS.Timeout | null = null;
  #connecting = false;

  private constructor(options: AuditLogOptions) {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('', 'an object', options);
    if (typeof options.url !== 'string' || !/^postgres(ql)?:\/\//.test(options.url)) {
      throw new InvalidOptionError('url', 'a postgres:// or postgresql:// URL', options.url === undefined ? undefined : '[redacted]');
    }
    this.tables = auditTables(options.schema ?? DEFAULTS.schema);
    const env = options.env ?? process.env;
    this.#key = options.key === undefined ? resolveAuditKey(env) : AuditKey.of(options.key);
    this.#anchor = options.anchor === undefined ? FileAuditAnchor.fromEnv(this.tables.schema, env) : options.anchor;
    this.#chain = { database: databaseOf(options.url), schema: this.tables.schema };
    const minMs = positive('retry.minMs', options.retry?.minMs, DEFAULTS.minMs);
    const maxMs = positive('retry.maxMs', options.retry?.maxMs, Math.max(DEFAULTS.maxMs, minMs));
    this.#retry = new Backoff({ minMs, maxMs, randomFactor: 0 });
    this.#where = describePgUrl(options.url);
    this.#log = (options.logger ?? createLogger('glass', 'info')).child({ component: 'audit', pg: this.#where, schema: this.tables.schema });
    const queryTimeoutMs = positive('queryTimeoutMs', options.queryTimeoutMs, DEFAULTS.queryTimeoutMs);
    this.#poolSize = positive('poolSize', options.poolSize, DEFAULTS.poolSize);
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: this.#poolSize,
      connectionTimeoutMillis: positive('connectTimeoutMs', options.connectTimeoutMs, DEFAULTS.connectTimeoutMs),
      query_timeout: queryTimeoutMs,
      idleTimeoutMillis: 30_000,
      application_name: 'glass-audit',
    });
    // An idle connection that dies (PostgreSQL restarted, network cut) is reported here; unhandled,
    // it would crash the process.
    this.#pool.on('error', (err) => this.#lost(err));
    this.refusals = new RefusalRecorder(this, this.#log, options.refusalBound);
    this.#anchorWriter =
      this.#anchor === null || options.verifyOnly === true
        ? null
        : new AnchorWriter({
            anchor: this.#anchor,
            key: this.#key,
            chain: this.#chain,
            everyRows: positive('anchorEveryRows', options.anchorEveryRows, DEFAULTS.anchorEveryRows),
            everyMs: positive('anchorEveryMs', options.anchorEveryMs, DEFAULTS.anchorEveryMs),
            log: this.#log,
          });
  }

  /** Where the key came from and where the anchor is (for the start log: never the key). */
  describe(): { key: AuditKey; anchor: string | null } {
    return { key: this.#key, anchor: this.#anchor?.describe() ?? null };
  }

  /** The anchor's writes, failures, and whether it is frozen (null without an anchor). */
  anchorStats(): AnchorStats | null {
    return this.#anchorWriter?.stats() ?? null;
  }

  /** Starts connecting (and migrating) in the background; never throws for an unreachable server. */
  static open(options: AuditLogOptions): AuditLog {
    const audit = new AuditLog(options);
    if (options.after === undefined) void audit.#connect();
    else void options.after.then(() => audit.#connect(), () => audit.#connect());
    return audit;
  }

  get status(): AuditStatus {
    return this.#status;
  }

  /** Called with every change of status; returns the function that stops listening. */
  onStatus(listener: (status: AuditStatus) => void): () => void {
    this.#events.on('status', listener);
    return () => this.#events.off('status', listener);
  }

  /** Resolves once the log is ready (at once if it is); rejects if it is closed first. */
  whenReady(): Promise<void> {
    if (this.#status === 'ready') return Promise.resolve();
    if (this.#status === 'closed') return Promise.reject(new AuditUnavailableError('the audit log is closed'));
    return new Promise((resolve, reject) => {
      const off = this.onStatus((status) => {
        if (status === 'ready') resolve();
        else if (status === 'closed') reject(new AuditUnavailableError('the audit log is closed'));
        else return;
        off();
      });
    });
  }

  /**
   * Appends one entry at the end of the chain and returns its id and hash. Throws
   * AuditUnavailableError when PostgreSQL is away or the write fails: nothing may act on an
   * override that this did not return for.
   */
  async append(entry: Omit<AuditEntry, 'at'> & { at?: number }): Promise<AuditReceipt> {
    if (this.#status !== 'ready') throw new AuditUnavailableError(`the audit log is ${this.#status}: overrides are refused until PostgreSQL is reachable`);
    const full: AuditEntry = { ...entry, at: entry.at ?? Date.now() };
    const t = this.tables;
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      // Every connection busy past the timeout is load, not an outage: refuse this one only.
      if (this.#pool.waitingCount > 0 || this.#pool.idleCount === 0) {
        if (this.#pool.totalCount >= this.#poolSize) throw new AuditUnavailableError('the audit log is busy: retry', { cause: err });
      }
      this.#lost(err);
      throw new AuditUnavailableError('the audit log could not reach PostgreSQL', { cause: err });
    }
    // A checked-out client whose connection dies emits 'error' besides failing its query: without a
    // listener that would be an uncaught exception.
    client.on('error', ignore);
    let failure: unknown;
    let receipt: AuditReceipt;
    try {
      await client.query('BEGIN');
      // The chain's lock: every writer, on every node, queues here; the head is then the last row
      // (READ COMMITTED: the statement after the lock sees every append committed before it).
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`glass-audit-chain:${t.schema}`]);
      const last = await client.query<{ id: string; hash: string }>(`SELECT id, hash FROM ${t.log} ORDER BY id DESC LIMIT 1`);
      const id = last.rows.length === 0 ? 1 : Number(last.rows[0].id) + 1;
      const prevHash = last.rows.length === 0 ? GENESIS_HASH : last.rows[0].hash;
      const hash = macEntry(this.#key, full, prevHash);
      await client.query(
        `INSERT INTO ${t.log} (id, at_ms, node, moderator, roles, source, outcome, code, target_kind, target_id, command, args, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [id, full.at, full.node, full.moderator, [...full.roles], full.source, full.outcome, full.code, full.targetKind, full.targetId, full.command, JSON.stringify(full.args), prevHash, hash],
      );
      await client.query('COMMIT');
      receipt = { id, hash };
    } catch (err) {
      failure = err;
      await client.query('ROLLBACK').catch(() => {});
      this.#lost(err);
      throw new AuditUnavailableError('the audit row could not be written', { cause: err });
    } finally {
      client.off('error', ignore);
      // A connection that failed is dropped, not reused.
      client.release(failure === undefined ? undefined : (failure as Error));
    }
    // Anchored once the connection is back in the pool: other appends need not wait for the file.
    this.#keyedFrom ??= receipt.id;
    await this.#anchorWriter?.note({ id: receipt.id, hash: receipt.hash, count: receipt.id, keyedFrom: this.#keyedFrom });
    return receipt;
  }

  /**
   * The last row whose command is `command` (null: none), read as stored: what a configuration
   * audit (the safety registry's) compares with before it appends. Throws AuditUnavailableError
   * while PostgreSQL is away.
   */
  async lastEntry(command: string): Promise<AuditRow | null> {
    if (this.#status !== 'ready') throw new AuditUnavailableError(`the audit log is ${this.#status}`);
    try {
      const { rows } = await this.#pool.query<PgRow>(`SELECT * FROM ${this.tables.log} WHERE command = $1 ORDER BY id DESC LIMIT 1`, [command]);
      return rows.length === 0 ? null : toRow(rows[0]);
    } catch (err) {
      this.#lost(err);
      throw new AuditUnavailableError('the audit log could not be read', { cause: err });
    }
  }

  /** Up to `limit` rows after id `after`, in id order, as stored (what the audit export copies). */
  async rowsAfter(after: number, limit: number): Promise<AuditRow[]> {
    const { rows } = await this.#pool.query<PgRow>(`SELECT * FROM ${this.tables.log} WHERE id > $1 ORDER BY id LIMIT $2`, [after, limit]);
    return rows.map(toRow);
  }

  /** The database and schema this chain is in (what anchors and exports name it by). */
  get chain(): AnchorChain {
    return this.#chain;
  }

  /** Walks the whole chain against the key and the anchor (see verifyAnchored). */
  async verify(): Promise<ChainVerdict> {
    return (await this.verifyAnchored()).verdict;
  }

  /**
   * Reads the anchor, then walks the whole chain (see checkChain) in one snapshot (REPEATABLE
   * READ): appends made meanwhile by other writers are neither seen nor mistaken for inserted rows,
   * and the anchor, read first, is never ahead of the snapshot. Throws AuditAnchorError when the
   * anchor cannot be read or does not carry the key's MAC.
   */
  async verifyAnchored(): Promise<AnchoredVerdict> {
    await this.#anchorWriter?.flush();
    const anchor = await this.#readAnchor();
    const client = await this.#pool.connect();
    client.on('error', ignore);
    let failure: unknown;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const verdict = await checkChain(this.#rows(client), { key: this.#key, anchor });
      await client.query('COMMIT');
      return { verdict, anchor, where: this.#anchor?.describe() ?? 'none' };
    } catch (err) {
      failure = err;
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.off('error', ignore);
      client.release(failure === undefined ? undefined : (failure as Error));
    }
  }

  /** The rows in id order, read in batches. */
  async *#rows(client: pg.ClientBase): AsyncGenerator<AuditRow> {
    let after = 0;
    for (;;) {
      const { rows } = await client.query<PgRow>(`SELECT * FROM ${this.tables.log} WHERE id > $1 ORDER BY id LIMIT ${READ_BATCH}`, [after]);
      for (const r of rows) yield toRow(r);
      if (rows.length < READ_BATCH) return;
      after = Number(rows[rows.length - 1].id);
    }
  }

  async close(): Promise<void> {
    if (this.#status === 'closed') return;
    this.#setStatus('closed');
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#anchorWriter?.flush();
    await this.#pool.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    if (this.#connecting || this.#isClosed()) return;
    this.#connecting = true;
    this.#timer = null;
    try {
      const client = await this.#pool.connect();
      client.on('error', ignore);
      try {
        const applied = await migrateAuditSchema(client, this.tables);
        if (applied > 0) this.#log.info({ migrations: applied }, 'audit schema migrated');
        await this.#checkAnchor(client);
        client.off('error', ignore);
        client.release();
      } catch (err) {
        client.off('error', ignore);
        client.release(err as Error);
        throw err;
      }
      if (this.#isClosed()) return;
      this.#retry.reset();
      this.#log.info({ auditKey: this.#key.source, auditKeyFile: this.#key.path, anchor: this.#anchor?.describe() ?? null }, 'audit log ready');
      this.#setStatus('ready');
    } catch (err) {
      if (this.#isClosed()) return;
      if (this.#status !== 'unavailable') {
        this.#log.error({ reason: reasonOf(err) }, 'audit log unreachable: overrides are refused (GLASS_ERR_AUDIT_UNAVAILABLE) until PostgreSQL is back; players are served meanwhile');
      }
      this.#setStatus('unavailable');
      this.#timer = setTimeout(() => void this.#connect(), this.#retry.next());
      this.#timer.unref();
    } finally {
      this.#connecting = false;
    }
  }

  /** The anchor's head, opened with the key; null when there is no anchor or nothing was anchored yet. */
  async #readAnchor(): Promise<AnchorHead | null> {
    if (this.#anchor === null) return null;
    const text = await this.#anchor.read();
    return text === null ? null : openAnchor(this.#key, this.#chain, text, this.#anchor.describe());
  }

  /**
   * At start: the anchor must name a row the database holds, with the same MAC; if not, the
   * anchor is frozen (never moved again by this node) so that the evidence stays for verify. With no
   * anchor yet, the database's last row is anchored (trust on first use).
   */
  async #checkAnchor(client: pg.ClientBase): Promise<void> {
    const t = this.tables;
    const writer = this.#anchorWriter;
    if (writer === null) return;
    let anchor: AnchorHead | null;
    try {
      anchor = await this.#readAnchor();
    } catch (err) {
      return writer.freeze(err instanceof Error ? err.message : String(err));
    }
    if (anchor !== null) {
      const row = await client.query<{ hash: string }>(`SELECT hash FROM ${t.log} WHERE id = $1`, [anchor.id]);
      if (anchor.id > 0 && row.rows[0]?.hash !== anchor.hash) return writer.freeze(`the anchor names row ${anchor.id}, which the database ${row.rows.length === 0 ? 'does not hold' : 'holds with another MAC'}`);
      this.#keyedFrom ??= anchor.keyedFrom;
      return writer.start(anchor);
    }
    const last = await client.query<{ id: string; hash: string }>(`SELECT id, hash FROM ${t.log} ORDER BY id DESC LIMIT 1`);
    if (last.rows.length === 0) return;
    const id = Number(last.rows[0].id);
    await writer.note({ id, hash: last.rows[0].hash, count: id, keyedFrom: this.#keyedFrom });
    await writer.flush();
  }

  /** A connection or a write failed: refuse overrides and reconnect (which also re-migrates). */
  #lost(err: unknown): void {
    if (this.#status !== 'ready') return;
    this.#log.error({ reason: reasonOf(err) }, 'audit log lost PostgreSQL: overrides are refused until it is back');
    this.#setStatus('unavailable');
    void this.#connect();
  }

  // A method, not a comparison: TypeScript would narrow #status across the awaits of #connect.
  #isClosed(): boolean {
    return this.#status === 'closed';
  }

  #setStatus(status: AuditStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    this.#events.emit('status', status);
  }
}

function ignore(): void {}

/** A failure's code and message: pg's messages name no password. */
function reasonOf(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  return [typeof e?.code === 'string' ? e.code : null, typeof e?.message === 'string' ? e.message : String(err)].filter((x) => x !== null).join(': ');
}
