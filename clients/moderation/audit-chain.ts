// The audit log's chain, without a database: what a row's MAC covers, and the walk that finds the
// first row that was altered, inserted or deleted (against the anchor kept outside PostgreSQL).
import { createHash } from 'node:crypto';
import type { AuditKey } from './audit-key.js';

/** The `prev_hash` of the first row. */
export const GENESIS_HASH = '0'.repeat(64);
/** The format rows are written in: HMAC-SHA256 with the audit key (part of every MAC). */
export const AUDIT_FORMAT = 2;
/** The first format: a plain SHA-256 chain. Rows written so are still read and verified, never written. */
export const LEGACY_AUDIT_FORMAT = 1;

export const AUDIT_OUTCOMES = ['accepted', 'refused'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** What is appended: one override, accepted or refused, and who asked for it. */
export interface AuditEntry {
  /** Unix time in ms. */
  at: number;
  /** The node whose gateway took the request. */
  node: string;
  /** The player id of the token that asked (a moderator, or someone who is not). */
  moderator: string;
  roles: readonly string[];
  /** How it came: the WebSocket (`ws`) or the HTTP API (`api`). */
  source: string;
  outcome: AuditOutcome;
  /** Why it was refused (a stable code); null when accepted. */
  code: string | null;
  targetKind: string | null;
  targetId: string | null;
  command: string | null;
  /** The command's arguments (player, seq, text, reason): strings and integers only. */
  args: Readonly<Record<string, string | number>>;
}

/** A stored row: the entry, its position, and the chain. */
export interface AuditRow extends AuditEntry {
  id: number;
  prevHash: string;
  hash: string;
}

/** JSON with object keys sorted, so that a jsonb round trip (which reorders keys) hashes alike. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map(canonical).join(',') + ']';
  const keys = Object.keys(value).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonical((value as Record<string, unknown>)[k])).join(',') + '}';
}

/**
 * SHA-256 over the entry's content and the previous row's hash (not over the id: the id is the
 * row's place, checked by the walk for gaps, and a row moved to another place is found by its link).
 */
export function hashEntry(entry: AuditEntry, prevHash: string): string {
  return createHash('sha256').update(canonical(content(LEGACY_AUDIT_FORMAT, entry, prevHash)), 'utf8').digest('hex');
}

/** HMAC-SHA256 with the audit key over the same content as hashEntry, in AUDIT_FORMAT. */
export function macEntry(key: AuditKey, entry: AuditEntry, prevHash: string): string {
  return key.mac(canonical(content(AUDIT_FORMAT, entry, prevHash)));
}

function content(format: number, entry: AuditEntry, prevHash: string): unknown[] {
  return [
    format,
    entry.at,
    entry.node,
    entry.moderator,
    [...entry.roles].sort(),
    entry.source,
    entry.outcome,
    entry.code,
    entry.targetKind,
    entry.targetId,
    entry.command,
    entry.args,
    prevHash,
  ];
}

/** `emptied`: the table has no rows, but the anchor says it had. */
export type TamperKind = 'altered' | 'inserted' | 'deleted' | 'emptied';

export type ChainVerdict =
  | { readonly ok: true; readonly rows: number; readonly head: { id: number; hash: string } }
  | { readonly ok: false; readonly rows: number; readonly kind: TamperKind; readonly id: number; readonly detail: string };

/** Where the chain's writer says it ends (the legacy head row). */
export interface ChainHead {
  id: number;
  hash: string;
}

/**
 * The head as last written outside PostgreSQL (audit-anchor.ts): the row's id and MAC, how many
 * rows the chain had then, and the first keyed row (a legacy row from there on is a rewrite).
 */
export interface AnchorHead {
  id: number;
  hash: string;
  count: number;
  keyedFrom: number | null;
}

/** What a walk checks rows against. */
export interface ChainCheck {
  /** The legacy head row: rows past it are inserted, rows missing before it deleted. Omit when there is none. */
  head?: ChainHead | null;
  /** Without it, keyed rows cannot be verified (they count as altered). */
  key?: AuditKey;
  /** The head kept outside the database; null or omitted: no anchor. */
  anchor?: AnchorHead | null;
}

/** The legacy walk: rows against the head row, without a key (see checkChain). */
export function verifyChain(rows: AsyncIterable<AuditRow> | Iterable<AuditRow>, head: ChainHead | null, key?: AuditKey): Promise<ChainVerdict> {
  return checkChain(rows, { head, key });
}

/**
 * Walks rows in id order and names the first row that was altered, inserted or deleted:
 * - a gap in the ids: the first missing id was deleted;
 * - a row past the head: inserted;
 * - a row whose MAC (or legacy hash) does not cover its content: altered, unless the next row links
 *   past it (then it was inserted), or it is the last row and past the anchor (inserted). A legacy
 *   row after a keyed one, or from the anchor's `keyedFrom` on, does not verify: nobody writes them;
 * - a row that does not link to its predecessor but to the row before that: the predecessor was
 *   inserted; linking to neither: the predecessor was altered and given a fresh hash (or rows after
 *   it were deleted and the rest renumbered: the same evidence, the same row named);
 * - at the end, against the head and the anchor: no rows where the anchor counted some: emptied;
 *   rows missing before it: deleted; the anchor's row with another MAC: altered.
 * The database may be ahead of the anchor (other nodes' appends, a batched anchor): rows past it are
 * checked by their MACs, which nobody without the key can make.
 */
export async function checkChain(rows: AsyncIterable<AuditRow> | Iterable<AuditRow>, check: ChainCheck): Promise<ChainVerdict> {
  const headed = 'head' in check;
  const head = check.head ?? null;
  const anchor = check.anchor ?? null;
  const key = check.key;
  let prev: { id: number; hash: string } = { id: 0, hash: GENESIS_HASH };
  let prevPrev: { id: number; hash: string } | null = null;
  // A row whose hash does not cover its content: altered, unless the next row links past it
  // (then it was slipped in). Decided on the next row.
  let suspect: AuditRow | null = null;
  let keyedSeen = false;
  let anchored: string | null = null;
  let count = 0;
  const fail = (kind: TamperKind, id: number, detail: string): ChainVerdict => ({ ok: false, rows: count, kind, id, detail });
  const altered = (id: number): ChainVerdict => fail('altered', id, `row ${id}'s content does not match its MAC`);
  // The format is inside what the MAC or hash covers, not a column: a keyed row is one whose MAC
  // verifies with the key; a legacy row, one whose SHA-256 does, before any keyed row.
  const formatOf = (row: AuditRow): number | null => {
    if (key !== undefined && macEntry(key, row, row.prevHash) === row.hash) return AUDIT_FORMAT;
    if (keyedSeen || (anchor?.keyedFrom != null && row.id >= anchor.keyedFrom)) return null;
    return hashEntry(row, row.prevHash) === row.hash ? LEGACY_AUDIT_FORMAT : null;
  };
  for await (const row of rows) {
    if (suspect !== null) {
      if (row.id === suspect.id + 1 && row.prevHash === prev.hash) return fail('inserted', suspect.id, `row ${suspect.id} is not in the chain: row ${row.id} links past it`);
      return altered(suspect.id);
    }
    if (row.id !== prev.id + 1) return fail('deleted', prev.id + 1, `row ${prev.id + 1} is missing (the next row is ${row.id})`);
    if (head !== null && row.id > head.id) return fail('inserted', row.id, `row ${row.id} is past the head (${head.id})`);
    const format = formatOf(row);
    if (format === null) {
      suspect = row;
      continue;
    }
    if (row.prevHash !== prev.hash) {
      if (prevPrev !== null && row.prevHash === prevPrev.hash) return fail('inserted', prev.id, `row ${prev.id} is not in the chain: row ${row.id} links past it`);
      return fail('altered', prev.id, `row ${prev.id}'s hash is not the one row ${row.id} was chained to`);
    }
    if (format === AUDIT_FORMAT) keyedSeen = true;
    if (anchor !== null && row.id === anchor.id) anchored = row.hash;
    count++;
    prevPrev = prev;
    prev = { id: row.id, hash: row.hash };
  }
  if (suspect !== null) {
    if (anchor !== null && suspect.id > anchor.id) return fail('inserted', suspect.id, `row ${suspect.id} is past the anchor (${anchor.id}) and does not carry a valid MAC`);
    return altered(suspect.id);
  }
  if (anchor !== null) {
    if (count === 0 && anchor.count > 0) return fail('emptied', 1, `the log has no rows; its anchor says ${anchor.count} (up to row ${anchor.id})`);
    if (anchor.id > prev.id) return fail('deleted', prev.id + 1, `the log ends at row ${prev.id}; its anchor says ${anchor.id}`);
    if (anchor.id > 0 && anchored !== anchor.hash) return fail('altered', anchor.id, `row ${anchor.id}'s MAC is not the one its anchor recorded`);
  }
  if (!headed) return { ok: true, rows: count, head: prev };
  if (head === null) return count === 0 ? { ok: true, rows: 0, head: prev } : fail('altered', 0, 'the chain head is missing');
  if (head.id > prev.id) return fail('deleted', prev.id + 1, `the log ends at row ${prev.id}; its head says ${head.id}`);
  if (head.hash !== prev.hash) return fail('altered', prev.id, `row ${prev.id}'s hash is not the head's`);
  return { ok: true, rows: count, head: prev };
}
