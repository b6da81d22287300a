import type { ActorSnapshot } from '../host/actor-host.js';
import type { BlockedWorker, WorkerExit, WorkerStatus } from './node-supervisor.js';

// The picture of the supervision tree that GlassNode.supervisionTree() gives ops and tests: what
// is running under whom, not a decision, so it stays with the node (runtime/ cannot import
// supervisors/, and the tree is built from the workers' actor snapshots on the main thread).

/** One actor in the tree, with the children it spawned (and supervises). */
export interface ActorTreeNode extends Omit<ActorSnapshot, 'children'> {
  children: ActorTreeNode[];
}

/** One worker: the supervisor of the root actors on it. */
export interface WorkerTreeNode {
  thread: number;
  status: WorkerStatus;
  restarts: number;
  /** `reason: 'blocked'` when the watchdog ended it. */
  lastExit: WorkerExit | null;
  /** The last time the watchdog found it blocked: the actor and message type, since when, for how long. */
  lastBlocked: BlockedWorker | null;
  actors: ActorTreeNode[];
}

/** The node supervisor → worker supervisors → actors → spawned children. */
export interface SupervisionTree {
  node: string;
  workers: WorkerTreeNode[];
}

/** Nests a worker's flat actor list by parent: root actors first, each with its children. */
export function nestActors(actors: readonly ActorSnapshot[]): ActorTreeNode[] {
  const byKey = new Map<string, ActorTreeNode>();
  for (const a of actors) byKey.set(`${a.kind}:${a.id}`, { ...a, children: [] });
  const roots: ActorTreeNode[] = [];
  for (const node of byKey.values()) {
    const parent = node.parent === null ? undefined : byKey.get(node.parent);
    if (parent === undefined) roots.push(node);
    else parent.children.push(node);
  }
  return roots;
}
