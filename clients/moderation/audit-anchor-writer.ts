// Writes the chain's head to its anchor after appends: at once when `everyRows` rows are waiting,
// else within `everyMs`; one write at a time, the latest head wins, and never a head older than one
// already anchored (an anchor ahead of the database is evidence, kept until an operator acts).
import type { Logger } from '../../runtime/index.js';
import { sealAnchor, type AnchorChain, type AuditAnchor } from './audit-anchor.js';
import type { AnchorHead } from './audit-chain.js';
import type { AuditKey } from './audit-key.js';

export interface AnchorWriterOptions {
  anchor: AuditAnchor;
  key: AuditKey;
  chain: AnchorChain;
  everyRows: number;
  everyMs: number;
  log: Logger;
}

export interface AnchorStats {
  /** Heads written to the anchor. */
  written: number;
  /** Writes that failed (logged; the rows themselves are in the database). */
  failed: number;
  /** Why the anchor is not moved any more (it disagrees with the database), or null. */
  frozen: string | null;
}

export class AnchorWriter {
  readonly #o: AnchorWriterOptions;
  readonly #stats: AnchorStats = { written: 0, failed: 0, frozen: null };
  /** The highest row id anchored (or found anchored at start). */
  #floor = 0;
  #pending: AnchorHead | null = null;
  #waiting = 0;
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> = Promise.resolve();

  constructor(options: AnchorWriterOptions) {
    this.#o = options;
  }

  stats(): AnchorStats {
    return { ...this.#stats };
  }

  /** The anchor found at start agrees with the database: never write below it. */
  start(existing: AnchorHead | null): void {
    this.#floor = Math.max(this.#floor, existing?.id ?? 0);
  }

  /** The anchor disagrees with the database: stop moving it (verify keeps reporting what it saw). */
  freeze(reason: string): void {
    if (this.#stats.frozen === null) this.#o.log.error({ anchor: this.#o.anchor.describe(), reason }, 'audit anchor frozen: the database disagrees with it (run glass audit verify)');
    this.#stats.frozen = reason;
    this.#pending = null;
  }

  /** A row was appended: resolves once its head is anchored when a write is due, else at once. */
  note(head: AnchorHead): Promise<void> {
    if (this.#stats.frozen !== null) return Promise.resolve();
    // Ids only grow: a row at or below the anchored one means the table lost rows since.
    if (head.id <= this.#floor) {
      this.freeze(`row ${head.id} was appended, but row ${this.#floor} is anchored: the table lost rows`);
      return Promise.resolve();
    }
    if (this.#pending === null || head.id > this.#pending.id) this.#pending = head;
    this.#waiting++;
    if (this.#waiting >= this.#o.everyRows) return this.flush();
    if (this.#timer === null) {
      this.#timer = setTimeout(() => void this.flush(), this.#o.everyMs);
      this.#timer.unref();
    }
    return Promise.resolve();
  }

  /** Writes the pending head, if any, after the write in progress. Never rejects. */
  flush(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#writing = this.#writing.then(() => this.#write());
    return this.#writing;
  }

  async #write(): Promise<void> {
    const head = this.#pending;
    this.#pending = null;
    this.#waiting = 0;
    if (head === null || head.id <= this.#floor || this.#stats.frozen !== null) return;
    try {
      await this.#o.anchor.write(sealAnchor(this.#o.key, this.#o.chain, head));
      this.#floor = head.id;
      this.#stats.written++;
    } catch (err) {
      this.#stats.failed++;
      this.#o.log.error({ anchor: this.#o.anchor.describe(), err: err instanceof Error ? err.message : String(err) }, 'audit anchor not written: a deleted tail would go unseen until it is');
    }
  }
}
