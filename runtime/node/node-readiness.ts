import type { GlassNode } from './node.js';
import { WorkerStatus } from './node-supervisor.js';

/** One part's answer: ready or not, and what an operator should see about it. */
export interface ReadinessAnswer {
  ready: boolean;
  [detail: string]: unknown;
}

/** Asked on every readiness request: cheap and synchronous (a status already known, no I/O). */
export type ReadinessCheck = () => ReadinessAnswer;

export interface NodeReadiness {
  ready: boolean;
  /** Every part by name, ready or not: `workers`, `cluster` (in a cluster), and what was added (`store`). */
  checks: Record<string, ReadinessAnswer>;
  /** The names of the parts that are not ready. */
  notReady: string[];
}

/** Checks added by whoever composed the node (the store's supervisor), by node. */
const added = new WeakMap<GlassNode, Map<string, ReadinessCheck>>();

/**
 * Adds a named part to the node's readiness (one per name: a second replaces the first). Returns
 * a function that removes it. A node composed with a backend of its own (the embedded store) adds
 * it here; the node's own parts (its workers, its cluster on Redis) are always checked.
 */
export function addReadinessCheck(node: GlassNode, name: string, check: ReadinessCheck): () => void {
  let checks = added.get(node);
  if (checks === undefined) added.set(node, (checks = new Map()));
  checks.set(name, check);
  return () => {
    if (checks.get(name) === check) checks.delete(name);
  };
}

/**
 * Whether the node can take traffic now: every worker running, (in a cluster) Redis reached by
 * the membership and the transport, and every added part ready. Liveness is another question:
 * a node that is not ready still serves what it can.
 */
export function nodeReadiness(node: GlassNode): NodeReadiness {
  const checks: Record<string, ReadinessAnswer> = {};
  const handles = node.supervisor.handles;
  const down = handles.filter((h) => h.status !== WorkerStatus.RUNNING).map((h) => ({ thread: h.thread, status: h.status }));
  checks.workers = { ready: handles.length > 0 && down.length === 0, running: handles.length - down.length, of: handles.length, ...(down.length > 0 && { down }) };
  const cluster = node.clusterStatus();
  if (cluster.mode === 'cluster') {
    const transport = typeof cluster.transport === 'string' ? cluster.transport : undefined;
    const ready = cluster.membership === 'connected' && (transport === undefined || transport === 'ready');
    checks.cluster = { ready, membership: cluster.membership, ...(transport !== undefined && { transport }) };
  }
  for (const [name, check] of added.get(node) ?? []) {
    try {
      checks[name] = check();
    } catch (err) {
      checks[name] = { ready: false, error: err instanceof Error ? err.message : String(err) };
    }
  }
  const notReady = Object.keys(checks).filter((name) => !checks[name].ready);
  return { ready: notReady.length === 0, checks, notReady };
}
