import type { ActorCell, CellStatus } from './actor-cell.js';

/** What inspection shows of one actor: plain data, it crosses the control plane. */
export interface ActorSnapshot {
  kind: string;
  id: string;
  status: CellStatus;
  mailbox: number;
  failures: number;
  /** Messages handled by this activation. */
  handled: number;
  restarts: number;
  lastFailure: { messageType: string; message: string; at: number } | null;
  idleMs: number;
  /** Key of the supervising parent actor, null for a root actor (supervised by the worker). */
  parent: string | null;
  children: number;
  epoch: number;
  unsaved: boolean;
}

export function snapshotOf(cell: ActorCell, now: number): ActorSnapshot {
  return {
    kind: cell.kind,
    id: cell.id,
    status: cell.status,
    mailbox: cell.mailbox.size + (cell.retry === null ? 0 : 1),
    failures: cell.failures,
    handled: cell.handled,
    restarts: cell.restarts?.total ?? 0,
    lastFailure: cell.lastFailure,
    idleMs: now - cell.lastActiveAt,
    parent: cell.parent?.key ?? null,
    children: cell.children?.length ?? 0,
    epoch: cell.epoch,
    unsaved: cell.dirty,
  };
}

/** Snapshots of the cells, in the host's order, of one kind if asked, at most `limit`. */
export function inspectCells(cells: Iterable<ActorCell>, now: number, filter?: { kind?: string; limit?: number }): ActorSnapshot[] {
  const out: ActorSnapshot[] = [];
  const limit = filter?.limit ?? Infinity;
  for (const cell of cells) {
    if (out.length >= limit) break;
    if (filter?.kind !== undefined && cell.kind !== filter.kind) continue;
    out.push(snapshotOf(cell, now));
  }
  return out;
}

/** Messages queued in all the cells. */
export function mailboxTotal(cells: Iterable<ActorCell>): number {
  let total = 0;
  for (const cell of cells) total += cell.mailbox.size;
  return total;
}
