// What a `glass bench run` loads: a remote gateway (--url), one node in the glass process
// (--local), or a local cluster of node processes (--local --nodes N). Each gives the gateways the
// players use, the key that signs their tokens, what to sample, and how to carry out faults.
import type { KeyObject } from 'node:crypto';
import { signAccessToken } from '../../../clients/index.js';
import { GlassError } from '../../../runtime/index.js';
import type { FaultActions } from '../faults/fault-runner.js';
import { LoadErrors } from '../load-errors.js';
import { LocalCluster } from './local-cluster.js';
import { openLocalAudit } from './local-audit.js';
import { startAuditedLocalTarget } from './local-audited-target.js';
import { OpsApiProbe, opsBaseOf } from '../resources/ops-api-probe.js';
import { postOpsAction } from './ops-action.js';
import type { ProcTarget } from '../resources/proc-probe.js';
import type { ResourceProbe } from '../resources/resource-series.js';

export type TargetMode = 'remote' | 'in-process' | 'cluster';

/** The local cluster in the run's JSON. */
export interface LocalClusterInfo {
  nodes: { id: string; url: string }[];
  workers: number;
  redisUrl: string;
  storeUrl: string;
}

export interface RunTarget {
  mode: TargetMode;
  /** Gateways in node order (one for a remote target or a single local node). */
  urls: string[];
  key: KeyObject;
  nodes: number;
  workers: number;
  /** Samplers of the nodes (and Redis, the store) for the run; the load processes are the caller's. */
  probes(): ResourceProbe[];
  procTargets(): ProcTarget[];
  /** Fault actions, carried out with an `ops` token where they go through the ops API. */
  actions(): FaultActions;
  /** Node ids in fault order (index → id); a remote cluster's are its sorted ids, asked from its ops API. */
  nodeIds(): Promise<string[]>;
  cluster?: LocalClusterInfo;
  /** With an audit log asked for: where it is, or "none: …" (overrides are then refused). */
  auditLog?: string;
  close(): Promise<void>;
}

export interface TargetOptions {
  mode: TargetMode;
  url?: string;
  /** The remote cluster's key (the issuer's private key: --token-private-key-file, GLASS_TOKEN_PRIVATE_KEY_FILE). */
  key?: KeyObject;
  nodes: number;
  workers: number;
  /** How long the run's tokens live. */
  ttlMs: number;
  /** A local target gets a moderation audit log in PostgreSQL (bench/load/targets/local-audit.ts). */
  audit: boolean;
  env: NodeJS.ProcessEnv;
}

export async function openTarget(o: TargetOptions): Promise<RunTarget> {
  if (o.mode === 'remote') return remoteTarget(o.url!, o.key!, o.ttlMs);
  if (o.mode === 'in-process') {
    const local = await startAuditedLocalTarget({ workers: o.workers, audit: o.audit }, o.env);
    const opsToken = await signOps(local.key, o.ttlMs);
    const self: ProcTarget = { name: `${local.nodeId} (the glass process)`, role: 'node', pid: () => process.pid };
    return {
      mode: 'in-process',
      urls: [local.url],
      key: local.key,
      nodes: 1,
      workers: o.workers,
      probes: () => [],
      procTargets: () => [self],
      actions: () => ({ killWorker: (_n, worker) => crashWorker(opsBaseOf(local.url), opsToken, local.nodeId, worker), ...noLocalCluster }),
      nodeIds: async () => [local.nodeId],
      ...(local.auditLog === undefined ? {} : { auditLog: local.auditLog }),
      close: () => local.close(),
    };
  }
  // The nodes share one audit chain, as the nodes of a real cluster do. Opened also for a run with
  // no moderators: without a PostgreSQL server each node would run initdb of its own embedded one
  // (seconds of CPU) inside the measured run.
  const audit = await openLocalAudit(o.env);
  let cluster: LocalCluster;
  try {
    cluster = await LocalCluster.start({ nodes: o.nodes, workers: o.workers, env: audit?.env ?? {} });
  } catch (err) {
    await audit?.close();
    throw err;
  }
  const opsToken = await signOps(cluster.key, o.ttlMs);
  return {
    mode: 'cluster',
    urls: cluster.urls,
    key: cluster.key,
    nodes: o.nodes,
    workers: o.workers,
    probes: () => [],
    procTargets: () => [
      ...cluster.nodes.map((n): ProcTarget => ({ name: n.id, role: 'node', pid: () => n.pid })),
      { name: 'redis-server', role: 'redis', pid: () => cluster.redis.pid },
      { name: 'couch (state store)', role: 'store', pid: () => cluster.couch.pid },
      harness,
    ],
    actions: () => ({
      killWorker: (node, worker) => {
        // Through the node's own gateway while it is up, else any live node's (the action travels to its node).
        const via = cluster.nodes[node].running ? node : cluster.nodes.findIndex((n) => n.running);
        return crashWorker(opsBaseOf(cluster.urls[Math.max(0, via)]), opsToken, cluster.ids[node], worker);
      },
      killNode: (node) => cluster.killNode(node),
      restartRedis: (downMs) => cluster.restartRedis(downMs),
    }),
    nodeIds: async () => cluster.ids,
    cluster: { nodes: cluster.ids.map((id, i) => ({ id, url: cluster.urls[i] })), workers: o.workers, redisUrl: cluster.redis.url, storeUrl: cluster.couch.url },
    ...(o.audit ? { auditLog: audit.describe } : {}),
    close: async () => {
      try {
        await cluster.close();
      } finally {
        await audit?.close();
      }
    },
  };
}

const harness: ProcTarget = { name: 'glass bench (harness)', role: 'harness', pid: () => process.pid };

/** kill-node and restart-redis are refused before the run for other targets (fault-plan.ts); this is the guard behind it. */
const noLocalCluster: Pick<FaultActions, 'killNode' | 'restartRedis'> = {
  killNode: () => Promise.reject(new GlassError(LoadErrors.FAULT_FAILED, 'kill-node needs --local --nodes N')),
  restartRedis: () => Promise.reject(new GlassError(LoadErrors.FAULT_FAILED, 'restart-redis needs --local --nodes N')),
};

async function remoteTarget(url: string, key: KeyObject, ttlMs: number): Promise<RunTarget> {
  const base = opsBaseOf(url);
  const opsToken = await signOps(key, ttlMs);
  const probe = new OpsApiProbe({ base, token: opsToken, timeoutMs: 5_000 });
  let ids: Promise<string[]> | null = null;
  const nodeIds = (): Promise<string[]> => (ids ??= probe.nodeIds());
  return {
    mode: 'remote',
    urls: [url],
    key,
    nodes: 0,
    workers: 0,
    probes: () => [probe],
    procTargets: () => [harness],
    actions: () => ({
      killWorker: async (node, worker) => {
        const known = await nodeIds();
        if (node >= known.length) throw new GlassError(LoadErrors.FAULT_FAILED, `the cluster has no node ${node} (nodes: ${known.join(', ')})`);
        return crashWorker(base, opsToken, known[node], worker);
      },
      ...noLocalCluster,
    }),
    nodeIds,
    close: async () => {},
  };
}

function signOps(key: KeyObject, ttlMs: number): Promise<string> {
  return signAccessToken(key, { player: 'glass-bench', character: 'glass-bench', roles: ['ops'], ttlMs });
}

/** The audited ops action `crash-worker` (thread = worker + 1). */
async function crashWorker(base: string, token: string, nodeId: string, worker: number): Promise<string> {
  const answer = await postOpsAction(base, token, { action: 'crash-worker', node: nodeId, thread: worker + 1 });
  if (!answer.done) throw new GlassError(LoadErrors.FAULT_FAILED, `worker ${worker + 1} of ${nodeId} was not running (${JSON.stringify(answer.detail)})`);
  return `crash-worker ${nodeId} thread ${worker + 1}: exit code ${String(answer.detail.exitCode)}${answer.auditRef === null ? '' : `, audit ${answer.auditRef}`}`;
}
