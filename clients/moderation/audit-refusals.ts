// Refusals are audited, within a bound per caller: a token bucket per caller (the player of a
// verified token, else the address), and one for everyone. Past it, a refusal is counted and
// logged once per window instead of written, so a flood of refused requests cannot fill the table.
import { RateLimiter } from '../gateway/index.js';
import type { Logger } from '../../runtime/index.js';
import type { AuditEntry } from './audit-chain.js';
import type { AuditLog, AuditReceipt } from './audit-log.js';

/** Rows of refusals per caller (`burst` at once, `perMinute` after), and in all. */
export interface RefusalBound {
  burst: number;
  perMinute: number;
  /** Every caller together. */
  totalBurst: number;
  totalPerMinute: number;
  /** Callers remembered at once; past it, new callers share one bucket. */
  maxCallers: number;
  /** A suppressed caller is logged once per this window. */
  windowMs: number;
}

export const DEFAULT_REFUSAL_BOUND: RefusalBound = { burst: 10, perMinute: 10, totalBurst: 200, totalPerMinute: 600, maxCallers: 10_000, windowMs: 60_000 };

export interface RefusalStats {
  /** Refusals written to the log. */
  written: number;
  /** Refusals past their caller's (or the total) bound: counted here, not written. */
  suppressed: number;
  /** Refusals that could not be written (PostgreSQL away). */
  failed: number;
}

/** A refusal, as written: the entry less what the recorder fills in. */
export type RefusalEntry = Omit<AuditEntry, 'at' | 'outcome'> & { code: string };

const OVERFLOW = '\u0000overflow';

export class RefusalRecorder {
  readonly #audit: AuditLog;
  readonly #bound: RefusalBound;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #callers: RateLimiter;
  readonly #total: RateLimiter;
  readonly #stats: RefusalStats = { written: 0, suppressed: 0, failed: 0 };
  /** Callers already logged as suppressed in the current window. */
  #logged = new Set<string>();
  #windowStart: number;

  constructor(audit: AuditLog, log: Logger, bound: Partial<RefusalBound> = {}, now: () => number = Date.now) {
    this.#audit = audit;
    this.#bound = { ...DEFAULT_REFUSAL_BOUND, ...bound };
    this.#log = log;
    this.#now = now;
    this.#callers = new RateLimiter({ burst: this.#bound.burst, perSecond: this.#bound.perMinute / 60 }, now);
    this.#total = new RateLimiter({ burst: this.#bound.totalBurst, perSecond: this.#bound.totalPerMinute / 60 }, now);
    this.#windowStart = now();
  }

  stats(): RefusalStats {
    return { ...this.#stats };
  }

  /**
   * Writes the refusal if its caller is within the bound: its receipt, else `suppressed` (counted
   * instead) or `unavailable` (the log could not write it). Never throws.
   */
  async record(caller: string, entry: RefusalEntry): Promise<AuditReceipt | 'suppressed' | 'unavailable'> {
    if (!this.#admit(caller)) {
      this.#stats.suppressed++;
      this.#logOnce(caller, entry);
      return 'suppressed';
    }
    try {
      const receipt = await this.#audit.append({ ...entry, outcome: 'refused' });
      this.#stats.written++;
      return receipt;
    } catch {
      this.#stats.failed++;
      return 'unavailable';
    }
  }

  #admit(caller: string): boolean {
    if (this.#callers.size >= this.#bound.maxCallers) this.#callers.sweep();
    const key = this.#callers.size >= this.#bound.maxCallers ? OVERFLOW : caller;
    // The caller's token first: a caller past its bound does not use up everyone's.
    return this.#callers.take(key) === 0 && this.#total.take('*') === 0;
  }

  #logOnce(caller: string, entry: RefusalEntry): void {
    const now = this.#now();
    if (now - this.#windowStart >= this.#bound.windowMs) {
      this.#logged = new Set();
      this.#windowStart = now;
    }
    if (this.#logged.has(caller) || this.#logged.size >= this.#bound.maxCallers) return;
    this.#logged.add(caller);
    this.#log.warn({ caller, source: entry.source, code: entry.code, command: entry.command, suppressed: this.#stats.suppressed }, 'refusals past the audit bound: counted, not written (logged once per window)');
  }
}
