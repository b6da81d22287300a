import { ANONYMOUS, type AuditLog } from '../moderation/index.js';
import type { OpsAuditEntry, OpsAuditHook } from './ops-actions.js';

/**
 * Ops actions go to the moderation audit log, in the same hash chain as overrides: the row is
 * written before the action runs, and an action whose row cannot be written is refused (the hook
 * rejects). The row is written by the node that acts (its `node`); an action forwarded from another
 * node carries that node in its args as `via`. Its reference is `<id>:<hash>`.
 */
export function opsAuditHook(audit: AuditLog): OpsAuditHook {
  return async (entry: OpsAuditEntry) => {
    const receipt = await audit.append({
      at: entry.at,
      node: entry.on,
      moderator: entry.operator.player,
      roles: entry.operator.roles,
      source: 'ops',
      outcome: 'accepted',
      code: null,
      ...target(entry.target),
      command: `ops:${entry.action}`,
      args: entry.via === entry.on ? scalarArgs(entry.target) : { ...scalarArgs(entry.target), via: entry.via },
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

/** Who made a refused ops request: the verified token's player and roles if there was one, and the address. */
export interface OpsCaller {
  player: string | null;
  roles: readonly string[];
  address: string;
}

/** Records a refused ops request (401, 403, a refused action); never rejects. */
export type OpsRefusalHook = (caller: OpsCaller, path: string, code: string) => Promise<void>;

/**
 * Refused ops requests go to the audit log's refusal recorder: written within a bound per caller
 * (the player, else the address), counted past it. The row's command is `ops:<path>`.
 */
export function opsRefusalHook(audit: AuditLog, node: string): OpsRefusalHook {
  return async (caller, path, code) => {
    await audit.refusals.record(caller.player === null ? `address:${caller.address}` : `player:${caller.player}`, {
      node,
      moderator: caller.player ?? ANONYMOUS,
      roles: [...caller.roles],
      source: 'ops',
      code,
      targetKind: null,
      targetId: null,
      command: `ops:${path}`,
      args: { address: caller.address },
    });
  };
}
