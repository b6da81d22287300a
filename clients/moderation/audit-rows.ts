// An audit row as PostgreSQL returns it, and as the chain (audit-chain.ts) sees it.
import type { AuditRow } from './audit-chain.js';

export type PgRow = {
  id: string;
  at_ms: string;
  node: string;
  moderator: string;
  roles: string[];
  source: string;
  outcome: 'accepted' | 'refused';
  code: string | null;
  target_kind: string | null;
  target_id: string | null;
  command: string | null;
  args: Record<string, string | number>;
  prev_hash: string;
  hash: string;
};

export function toRow(r: PgRow): AuditRow {
  return {
    id: Number(r.id),
    at: Number(r.at_ms),
    node: r.node,
    moderator: r.moderator,
    roles: r.roles,
    source: r.source,
    outcome: r.outcome,
    code: r.code,
    targetKind: r.target_kind,
    targetId: r.target_id,
    command: r.command,
    args: r.args,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
