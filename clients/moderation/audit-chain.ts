// The audit log's hash chain, without a database: what a row's hash covers, and the walk that finds
// the first row that was altered, inserted or deleted.
import { createHash } from 'node:crypto';

/** The `prev_hash` of the first row. */
export const GENESIS_HASH = '0'.repeat(64);
/** Bumped if what a hash covers ever changes; part of every hash. */
export const AUDIT_FORMAT = 1;

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
  const content = [
    AUDIT_FORMAT,
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
  return createHash('sha256').update(canonical(content), 'utf8').digest('hex');
}

export type TamperKind = 'altered' | 'inserted' | 'deleted';

export type ChainVerdict =
  | { readonly ok: true; readonly rows: number; readonly head: { id: number; hash: string } }
  | { readonly ok: false; readonly rows: number; readonly kind: TamperKind; readonly id: number; readonly detail: string };

/** Where the chain's writer says it ends (the head row, updated with every append). */
export interface ChainHead {
  id: number;
  hash: string;
}

/**
 * Walks rows in id order and names the first row that was altered, inserted or deleted:
 * - a gap in the ids: the first missing id was deleted;
 * - a row past the head: inserted;
 * - a row whose hash does not cover its content: altered, unless the next row links past it (then
 *   it was inserted);
 * - a row that does not link to its predecessor but to the row before that: the predecessor was
 *   inserted; linking to neither: the predecessor was altered and given a fresh hash (or rows after
 *   it were deleted and the rest renumbered: the same evidence, the same row named);
 * - at the end, against the head: rows missing before it were deleted; a last row whose hash is not
 *   the head's was altered.
 * Without a keyed hash, someone who rewrites every row from one on and the head alike is caught only
 * against a copy of an earlier head (the hashes that broadcasts and logs carried).
 */
export async function verifyChain(rows: AsyncIterable<AuditRow> | Iterable<AuditRow>, head: ChainHead | null): Promise<ChainVerdict> {
  let prev: { id: number; hash: string } = { id: 0, hash: GENESIS_HASH };
  let prevPrev: { id: number; hash: string } | null = null;
  // A row whose hash does not cover its content: altered, unless the next row links past it
  // (then it was slipped in). Decided on the next row.
  let suspect: AuditRow | null = null;
  let count = 0;
  const fail = (kind: TamperKind, id: number, detail: string): ChainVerdict => ({ ok: false, rows: count, kind, id, detail });
  const altered = (id: number): ChainVerdict => fail('altered', id, `row ${id}'s content does not match its hash`);
  for await (const row of rows) {
    if (suspect !== null) {
      if (row.id === suspect.id + 1 && row.prevHash === prev.hash) return fail('inserted', suspect.id, `row ${suspect.id} is not in the chain: row ${row.id} links past it`);
      return altered(suspect.id);
    }
    if (row.id !== prev.id + 1) return fail('deleted', prev.id + 1, `row ${prev.id + 1} is missing (the next row is ${row.id})`);
    if (head !== null && row.id > head.id) return fail('inserted', row.id, `row ${row.id} is past the head (${head.id})`);
    if (hashEntry(row, row.prevHash) !== row.hash) {
      suspect = row;
      continue;
    }
    if (row.prevHash !== prev.hash) {
      if (prevPrev !== null && row.prevHash === prevPrev.hash) return fail('inserted', prev.id, `row ${prev.id} is not in the chain: row ${row.id} links past it`);
      return fail('altered', prev.id, `row ${prev.id}'s hash is not the one row ${row.id} was chained to`);
    }
    count++;
    prevPrev = prev;
    prev = { id: row.id, hash: row.hash };
  }
  if (suspect !== null) return altered(suspect.id);
  if (head === null) return count === 0 ? { ok: true, rows: 0, head: prev } : fail('altered', 0, 'the chain head is missing');
  if (head.id > prev.id) return fail('deleted', prev.id + 1, `the log ends at row ${prev.id}; its head says ${head.id}`);
  if (head.hash !== prev.hash) return fail('altered', prev.id, `row ${prev.id}'s hash is not the head's`);
  return { ok: true, rows: count, head: prev };
}
