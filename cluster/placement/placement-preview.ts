import { InvalidOptionError, type Location, type NodeMember } from '../../runtime/index.js';
import { HashringPlacement } from './hashring-placement.js';

export interface PlacementMove {
  readonly id: string;
  readonly from: Location;
  readonly to: Location;
}

export interface NodeFlow {
  /** Actors that would arrive on this node (or on another of its workers). */
  in: number;
  /** Actors that would leave this node (or one of its workers). */
  out: number;
}

export interface PlacementPreview {
  /** Every id whose location (node or worker) would change, in the order the ids were given. */
  readonly moved: PlacementMove[];
  /** moved.length / total (0 when no ids were given). */
  readonly movedFraction: number;
  readonly total: number;
  /**
   * Per node of either membership. A move between two workers of one node counts as out and in on
   * that node: it still costs a passivation and an activation. So sum(in) = sum(out) = moved.length.
   */
  readonly byNode: Record<string, NodeFlow>;
}

/**
 * The dry run ops want before a scale event: where each given actor id lives under the current
 * membership and where it would live under the next one, with the same HashringPlacement every
 * node uses (so the preview is what the cluster will do, not an estimate). Children
 * ("<root>/<name>") are placed with their root, so they move with it.
 */
export function previewPlacement(current: readonly NodeMember[], next: readonly NodeMember[], ids: Iterable<string>): PlacementPreview {
  if (!Array.isArray(current) || current.length === 0) throw new InvalidOptionError('current', 'a non-empty array of members', current);
  if (!Array.isArray(next) || next.length === 0) throw new InvalidOptionError('next', 'a non-empty array of members', next);
  const before = new HashringPlacement(current);
  const after = new HashringPlacement(next);
  const byNode: Record<string, NodeFlow> = {};
  for (const m of before.members) byNode[m.id] = { in: 0, out: 0 };
  for (const m of after.members) byNode[m.id] ??= { in: 0, out: 0 };
  const moved: PlacementMove[] = [];
  let total = 0;
  for (const id of ids) {
    if (typeof id !== 'string' || id === '') throw new InvalidOptionError('ids', 'non-empty strings', id);
    total++;
    const from = before.locate(id);
    const to = after.locate(id);
    if (from.node === to.node && from.thread === to.thread) continue;
    moved.push({ id, from, to });
    byNode[from.node].out++;
    byNode[to.node].in++;
  }
  return { moved, movedFraction: total === 0 ? 0 : moved.length / total, total, byNode };
}
