// The `faults` of a scenario file (docs/LOAD.md, "Faults"): what to break, and when, during a run.
// The shape is checked with the scenario (zod); whether the target can carry each fault out is
// checked once the flags are known (checkFaultTarget).
import { z } from 'zod';

/** Time of the fault from the run's start (ramp-up included). */
const AtMs = z.int().min(0);
/** A node of the run: its index in `--local --nodes N` order, or in the sorted ids of a remote cluster. */
const NodeIndex = z.int().min(0).max(255);

export const FaultSpec = z.discriminatedUnion('action', [
  /** Ends worker thread `worker` (0-based: ops thread worker + 1) of node `node`, through the audited ops action `crash-worker`. */
  z.strictObject({ atMs: AtMs, action: z.literal('kill-worker'), node: NodeIndex.default(0), worker: z.int().min(0).max(255).default(0) }),
  /** SIGKILL of a node process of the local cluster: no drain, no goodbye. */
  z.strictObject({ atMs: AtMs, action: z.literal('kill-node'), node: NodeIndex }),
  /** SIGKILL of the local cluster's redis-server, started again on the same port (empty) after `downMs`. */
  z.strictObject({ atMs: AtMs, action: z.literal('restart-redis'), downMs: z.int().min(0).max(60_000).default(0) }),
]);
export type FaultSpec = z.infer<typeof FaultSpec>;
export type FaultAction = FaultSpec['action'];

export const FaultList = z.array(FaultSpec).max(64);

/** What carries the run: a remote gateway, one node in the glass process, or a local cluster of node processes. */
export interface FaultTargetShape {
  mode: 'remote' | 'in-process' | 'cluster';
  /** Nodes (known for local targets only). */
  nodes: number;
  /** Worker threads per node (known for local targets only). */
  workers: number;
}

/**
 * Refuses a fault the target cannot carry out, naming it (`faults[2]: …`). Remote targets take only
 * kill-worker (their nodes and workers are checked when the fault fires: the harness does not own them).
 */
export function checkFaultTarget(faults: readonly FaultSpec[], target: FaultTargetShape): void {
  const killedAt = new Map<number, number>();
  faults.forEach((f, i) => {
    const where = `faults[${i}] (${f.action})`;
    if (f.action === 'kill-node' || f.action === 'restart-redis') {
      if (target.mode !== 'cluster') throw new Error(`${where} needs a local cluster the harness started: --local --nodes N with N >= 2`);
    }
    if (f.action === 'kill-node' || f.action === 'kill-worker') {
      if (target.mode !== 'remote' && f.node >= target.nodes) throw new Error(`${where}: there is no node ${f.node} (nodes 0 to ${target.nodes - 1})`);
    }
    if (f.action === 'kill-worker' && target.mode !== 'remote' && f.worker >= target.workers) {
      throw new Error(`${where}: there is no worker ${f.worker} (workers 0 to ${target.workers - 1} per node)`);
    }
    if (f.action === 'kill-node') {
      if (killedAt.has(f.node)) throw new Error(`${where}: node ${f.node} is killed twice`);
      killedAt.set(f.node, f.atMs);
    }
  });
  if (target.mode === 'cluster' && killedAt.size >= target.nodes) throw new Error(`faults kill every node (${target.nodes}): at least one must stay up to serve the players`);
  faults.forEach((f, i) => {
    if (f.action !== 'kill-worker') return;
    const killed = killedAt.get(f.node);
    if (killed !== undefined && killed <= f.atMs) throw new Error(`faults[${i}] (kill-worker): node ${f.node} was killed at ${killed} ms, before this fault`);
  });
}
