import { availableParallelism } from 'node:os';
import { defaultNodeId, startNode, type GlassNode, type NodeOptions } from '../runtime/node/index.js';
import { defaultNodeOptions } from './default-node.js';
import { startSharedDevStore } from './couch/shared-dev-store.js';
import { RedisMembership } from './membership/membership.js';
import { DeadNodeClaims } from './streams/dead-node-claims.js';
import { RedisStreamsTransport } from './streams/redis-streams-transport.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const TRIM_INTERVAL_MS = 5_000;

export interface ClusterNodeOptions extends Partial<NodeOptions> {
  /** Default REDIS_URL, else redis://127.0.0.1:6379. */
  redisUrl?: string;
  /** Namespaces the streams and the membership keys (default "glass"): one cluster per prefix. */
  prefix?: string;
  /** Membership heartbeat (default 500 ms). */
  heartbeatMs?: number;
  /** A node silent this long is down (default 2,000 ms). */
  downAfterMs?: number;
  /** Where this node's gateway can be reached, shown to the other nodes. */
  address?: string;
}

/**
 * A node that joins the cluster named by `prefix` on Redis: membership by heartbeats, placement
 * over the live nodes, actor messages to other nodes over Redis Streams. The state store is
 * `options.store`, else the CouchDB at COUCHDB_URL, else the development server one node embeds
 * for all (see startSharedDevStore). Resolves once the node is registered and
 * its first view is in place on every thread.
 */
export async function startClusterNode(options: ClusterNodeOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<GlassNode> {
  const { redisUrl, prefix = 'glass', heartbeatMs, downAfterMs, address, ...overrides } = options;
  const url = redisUrl ?? (env.REDIS_URL || DEFAULT_REDIS_URL);
  const nodeId = overrides.nodeId ?? defaultNodeId();
  const workers = overrides.workers ?? availableParallelism();
  const backend = overrides.store === undefined ? await startSharedDevStore(url, prefix, nodeId, env) : null;
  const membership = new RedisMembership({ nodeId, workers, redisUrl: url, keyPrefix: `${prefix}:`, heartbeatMs, downAfterMs, address });
  // Trimmed in the background: only what every reader acknowledged goes.
  // Write-behind actors acknowledge with their next save: allow a period's worth in flight.
  const transport = new RedisStreamsTransport({ nodeId, redis: url, prefix, trimIntervalMs: TRIM_INTERVAL_MS, maxInFlightEntries: 16_384 });
  let node: GlassNode;
  try {
    await membership.start();
    node = await startNode(defaultNodeOptions({ ...overrides, nodeId, workers, store: overrides.store ?? backend!.store }), {
      transport,
      membership,
      status: () => ({ transport: transport.status, stream: transport.stats() }),
    });
  } catch (err) {
    await membership.close().catch(() => {});
    await transport.close().catch(() => {});
    await backend?.close();
    throw err;
  }
  const log = node.log;
  if (backend !== null) {
    node.onClose(() => backend.close());
    log.info({ store: backend.description }, 'actor state in CouchDB');
  }
  transport.on('status', (status, cause) => {
    const fields = { status, err: cause instanceof Error ? cause.message : undefined };
    if (status === 'degraded') log.warn(fields, 'cluster transport degraded: cross-node sends are retried');
    else log.info(fields, 'cluster transport status');
  });
  transport.on('undeliverable', (to, envelopes, error) => {
    log.error({ to, envelopes: envelopes.length, code: error.code }, 'cross-node envelopes given up');
    node.refuseUndeliverable(envelopes, error);
  });
  transport.on('malformed', (error) => log.error({ err: error.message }, 'malformed stream entry acknowledged and dropped'));
  transport.on('deliver-error', (err) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'delivery failed; entry left pending'));
  membership.onStatus((status, lastError) => {
    if (status === 'connected') log.info({ status }, 'cluster membership connected');
    else log.warn({ status, err: lastError?.message }, 'cluster membership lost Redis: the last view is kept');
  });
  const claims = new DeadNodeClaims(node, transport, membership.members.bind(membership), { heartbeatMs: heartbeatMs ?? 500, downAfterMs: downAfterMs ?? 2_000 });
  membership.onChange((members, change) => claims.changed(members, change));
  node.onClose(() => claims.stop());
  return node;
}
