import type { AuditLog } from '../moderation/index.js';
import type { OpsAuditEntry, OpsAuditHook } from './ops-actions.js';

/**
 * Ops actions go to the moderation audit log, in the same hash chain as overrides: the row is
 * written before the action runs, and an action whose row cannot be written is refused (the hook
 * rejects). Its reference is `<id>:<hash>`.
 */
export function opsAuditHook(audit: AuditLog): OpsAuditHook {
  return async (entry: OpsAuditEntry) => {
    const receipt = await audit.append({
      at: entry.at,
      node: entry.via,
      moderator: entry.operator.player,
      roles: entry.operator.roles,
      source: 'ops',
      outcome: 'accepted',
      code: null,
      ...target(entry.target),
      command: `ops:${entry.action}`,
      args: scalarArgs(entry.target),
    });
    return `${receipt.id}:${receipt.hash}`;
  };
}

/** What the action is about: an actor, a quarantined message, a worker or a node. */
function target(t: Record<string, unknown>): { targetKind: string; targetId: string } {
  if (typeof t.kind === 'string' && typeof t.id === 'string') return { targetKind: t.kind, targetId: t.id };
  if (typeof t.quarantineId === 'string') return { targetKind: 'quarantine', targetId: t.quarantineId };
  if (t.thread !== undefined) return { targetKind: 'worker', targetId: `${String(t.node ?? '')}#${String(t.thread)}` };
  return { targetKind: 'node', targetId: String(t.node ?? '') };
}

/** The audit row keeps strings and integers only. */
function scalarArgs(t: Record<string, unknown>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(t)) if (typeof value === 'string' || Number.isInteger(value)) out[key] = value as string | number;
  return out;
}
