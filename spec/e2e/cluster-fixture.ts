import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type Gateway, type GatewayOptions } from '../../clients/index.js';
import { couchStoreRef, startClusterNode, startEmbeddedCouch, type ClusterNodeOptions, type EmbeddedCouch } from '../../cluster/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { SHARED_REDIS_URL, deleteKeys } from '../contract/transport-redis-server.js';
import { TEST_KEYS } from './tokens.js';
import { TestClient } from './ws-client.js';

export { SHARED_REDIS_URL as REDIS_URL, deleteKeys };

/** Resolves once every node has applied a view of `count` members (so they all place alike). */
export function allSee(nodes: readonly GlassNode[], count: number): Promise<void> {
  return Promise.all(
    nodes.map((node) => new Promise<void>((resolve) => (node.members().length === count ? resolve() : node.onMembers((m) => m.length === count && resolve())))),
  ).then(() => undefined);
}

export interface NodePairOptions {
  /** The two node ids, also the cluster's prefix's tag. */
  ids: readonly [string, string];
  /** Options of both nodes, beside the ones every pair has (one worker, the shared store, fast detection). */
  node?: Partial<ClusterNodeOptions>;
  /** Options of both gateways, beside the test keys. */
  gateway?: Partial<GatewayOptions>;
  /** Options of one node's gateway, made once its node runs (an audit log of its own, say). */
  gatewayFor?: (node: GlassNode) => Promise<Partial<GatewayOptions>>;
  /** Runs once a node's gateway is up, before the pair waits for both to place alike. */
  onGateway?: (node: GlassNode, gateway: Gateway, prefix: string) => Promise<void>;
  env?: NodeJS.ProcessEnv;
}

/**
 * Two nodes of one cluster in this process: the shared Redis, one embedded CouchDB-protocol server
 * for both, a gateway on each, started in order and placing alike before `start` resolves.
 */
export class NodePair {
  readonly nodes: GlassNode[] = [];
  readonly gateways: Gateway[] = [];
  readonly #clients: TestClient[] = [];
  /** The cluster's Redis key prefix. */
  readonly prefix: string;
  #couch: EmbeddedCouch | null = null;
  #dataDir = '';

  private constructor(prefix: string) {
    this.prefix = prefix;
  }

  static async start(options: NodePairOptions): Promise<NodePair> {
    const pair = new NodePair(`glass-e2e-${options.ids[0]}-${process.pid}-${Date.now()}`);
    pair.#dataDir = await mkdtemp(join(tmpdir(), `glass-e2e-${options.ids[0]}-`));
    pair.#couch = await startEmbeddedCouch({ dataDir: pair.#dataDir });
    for (const nodeId of options.ids) {
      const node = await startClusterNode(
        { nodeId, prefix: pair.prefix, redisUrl: SHARED_REDIS_URL, workers: 1, logLevel: 'silent', store: couchStoreRef(pair.#couch.url), heartbeatMs: 100, downAfterMs: 1_000, ...options.node },
        options.env ?? process.env,
      );
      pair.nodes.push(node);
      const own = options.gatewayFor === undefined ? {} : await options.gatewayFor(node);
      const gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, ...options.gateway, ...own });
      pair.gateways.push(gateway);
      await options.onGateway?.(node, gateway, pair.prefix);
    }
    // Both must place alike before a player joins anything.
    await allSee(pair.nodes, 2);
    return pair;
  }

  /** A player's socket on the gateway of node `at` (0 or 1), closed with the pair. */
  async connect(at: number, player: string, options?: Parameters<typeof TestClient.connect>[2]): Promise<TestClient> {
    const client = await TestClient.connect(`ws://127.0.0.1:${this.gateways[at]!.port}/ws`, player, options);
    this.#clients.push(client);
    return client;
  }

  /** An id `${tag}-N` of `kind` that the cluster places on node `owner`. */
  idOn(kind: string, owner: string, tag: string): string {
    for (let i = 0; i < 10_000; i++) if (this.nodes[0]!.locate(kind, `${tag}-${i}`).node === owner) return `${tag}-${i}`;
    throw new Error(`no ${kind} on ${owner}`);
  }

  async close(): Promise<void> {
    await Promise.all(this.#clients.map((c) => c.close()));
    for (const g of this.gateways) await g.close();
    for (const n of this.nodes) await n.close();
    await this.#couch?.close();
    if (this.#dataDir !== '') await rm(this.#dataDir, { recursive: true, force: true });
    await deleteKeys(SHARED_REDIS_URL, this.prefix);
  }
}
