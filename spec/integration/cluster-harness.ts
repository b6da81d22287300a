// N node processes on one machine for the cluster tests, and the waits they use. A node process is
// cluster-process.ts; the load kept up during a fault is cluster-load.ts; what is checked after
// it, cluster-tallies.ts.
import { startTestCouch } from '../contract/couch-harness.js';
import { within } from '../contract/transport-harness.js';
import { OwnRedisServer } from '../fixtures/redis-server.js';
import type { ClusterNodeConfig } from '../fixtures/cluster-node-process.js';
import { NodeProcess } from './cluster-process.js';

export interface ClusterOptions {
  /** Names the couch database and temp dirs. */
  label: string;
  nodes: string[];
  workers?: number;
  heartbeatMs?: number;
  downAfterMs?: number;
  askTimeoutMs?: number;
  /** Fork every node at once (the nodes start while the others register), rather than one after another. */
  together?: boolean;
}

/**
 * N node processes on one machine: a private redis-server, an embedded CouchDB-protocol server in
 * this process's care, and a membership prefix of their own.
 */
export class Cluster {
  readonly redis: OwnRedisServer;
  readonly couch: Awaited<ReturnType<typeof startTestCouch>>;
  readonly nodes = new Map<string, NodeProcess>();
  readonly #base: Omit<ClusterNodeConfig, 'nodeId'>;

  private constructor(redis: OwnRedisServer, couch: Awaited<ReturnType<typeof startTestCouch>>, options: ClusterOptions) {
    this.redis = redis;
    this.couch = couch;
    const label = options.label.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    this.#base = {
      prefix: `glass-cluster-test-${label}-${process.pid}`,
      redisUrl: redis.url,
      couchUrl: couch.couch.url,
      db: `cluster_${label}_${process.pid}`,
      workers: options.workers ?? 2,
      heartbeatMs: options.heartbeatMs ?? 100,
      downAfterMs: options.downAfterMs ?? 600,
      askTimeoutMs: options.askTimeoutMs,
    };
  }

  /** Starts everything and resolves once every node sees every other. */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const [redis, couch] = await Promise.all([OwnRedisServer.start(), startTestCouch(`cluster-${options.label}`)]);
    const cluster = new Cluster(redis, couch, options);
    try {
      if (options.together) await Promise.all(options.nodes.map((id) => cluster.addNode(id)));
      else for (const id of options.nodes) await cluster.addNode(id);
      await cluster.converged(options.nodes);
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  get config(): Omit<ClusterNodeConfig, 'nodeId'> {
    return this.#base;
  }

  node(id: string): NodeProcess {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** The nodes still running. */
  live(): NodeProcess[] {
    return [...this.nodes.values()].filter((n) => n.running);
  }

  /** Forks one more node and resolves once it has started (not once the others see it). */
  async addNode(id: string): Promise<NodeProcess> {
    const node = new NodeProcess({ ...this.#base, nodeId: id });
    this.nodes.set(id, node);
    await node.ready();
    return node;
  }

  /** Resolves once every running node's applied view is exactly `ids`. */
  async converged(ids: readonly string[], timeoutMs = 15_000): Promise<void> {
    await Promise.all(this.live().map((n) => n.seesMembers(ids, timeoutMs)));
  }

  /** How many views each node has applied so far: a mark for `viewsSince`. */
  viewMark(): Map<string, number> {
    return new Map([...this.nodes].map(([id, n]) => [id, n.views.length]));
  }

  /** The views nodes applied since `mark`, as text ("a applied [a,c]"): what explains a failure after a flap. */
  viewsSince(mark: ReadonlyMap<string, number>): string[] {
    return [...this.nodes].flatMap(([id, n]) => n.views.slice(mark.get(id) ?? 0).map((v) => `${id} applied [${v.members.join()}]`));
  }

  /** SIGKILLs a node: no goodbye, its actors' unsaved state and its unread stream entries left behind. */
  kill(id: string): Promise<void> {
    return this.node(id).kill();
  }

  /**
   * `count` ids of the form `<prefix>-<i>` that `by` places on node `owner` (ids are placed by
   * their id alone, whatever the kind).
   */
  async idsOn(by: NodeProcess, owner: string, prefix: string, count: number): Promise<string[]> {
    const out: string[] = [];
    for (let start = 0; out.length < count; start += 200) {
      if (start > 20_000) throw new Error(`no ${count} ids on ${owner}`);
      const ids = Array.from({ length: 200 }, (_, i) => `${prefix}-${start + i}`);
      const where = await by.locate(ids);
      for (const [i, id] of ids.entries()) if (where[i].node === owner && out.length < count) out.push(id);
    }
    return out;
  }

  /** Closes every node gracefully (SIGKILL past a bound), then Redis and CouchDB. Safe after a failure. */
  async close(): Promise<void> {
    await Promise.allSettled(this.live().map((n) => n.close()));
    await Promise.allSettled([this.redis.dispose(), this.couch.stop()]);
  }
}

/** Awaits a probe (a real round trip to the nodes each time) until it holds, within a deadline. */
export { until } from './node-harness.js';
export { within };

/** Like `until`, but resolves false at the deadline instead of throwing (the caller then explains what is wrong). */
export async function eventually(probe: () => Promise<boolean>, deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > end) return false;
  }
}
