import { availableParallelism } from 'node:os';
import { defaultNodeId, startNode, type GlassNode, type NodeOptions, type ClusterParts } from '../../runtime/node/index.js';
import { clusterKeyFrom, type ClusterKey, type ClusterKeyInput } from '../cluster-key.js';
import type { ModuleRef } from '../../runtime/index.js';
import { RedisMembership } from '../membership/index.js';
import { DEFAULT_REDIS_URL, redisDescription, redisHasPassword } from '../redis-connection.js';
import { RedisStreamsTransport, type WorkerStreamsOptions } from '../streams/index.js';
import { GAME_ACTORS, HASHRING_PLACEMENT, WORKER_STREAMS, WORKER_SUPERVISOR } from '../worker-modules.js';
import { DeadNodeClaims } from './dead-node-claims.js';
import { DeadStreamSweep } from './dead-stream-sweep.js';
import { turnServices } from '../turns/index.js';
import { startSharedDevStore } from './shared-dev-store.js';
import { startStateBackend, type StateBackend } from './state-backend.js';
import { startMainTelemetry, telemetryConfigFromEnv, withTelemetryService, type TelemetryConfig } from '../telemetry/index.js';

const TRIM_INTERVAL_MS = 5_000;
const DEFAULT_HEARTBEAT_MS = 500;
const DEFAULT_DOWN_AFTER_MS = 2_000;

export interface ClusterNodeOptions extends Partial<Omit<NodeOptions, 'workerStreams'>> {
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
  /**
   * The cluster key (HMAC-SHA256) everything this node writes to Redis is signed with; default:
   * GLASS_CLUSTER_KEY, else the file GLASS_CLUSTER_KEY_FILE (default .data/cluster-key, made once).
   * Never the token key. See cluster-key.ts.
   */
  clusterKey?: ClusterKeyInput;
  /**
   * Each worker reaches the other nodes itself, over a stream of its own (`<prefix>:node:<id>:w<k>`,
   * cluster/streams/worker-streams.ts): actor messages between workers of two nodes skip both main
   * threads. Default: GLASS_WORKER_STREAMS=1 turns it on, else off. Every node of a cluster must agree.
   */
  workerStreams?: boolean;
}

/** Options for a node on the game's kinds, services and hashring placement; the store is the runtime's (memory) unless given. */
export function defaultNodeOptions(overrides: Partial<NodeOptions> = {}): NodeOptions {
  return {
    ...overrides,
    actorModules: overrides.actorModules ?? [GAME_ACTORS],
    placement: overrides.placement ?? HASHRING_PLACEMENT,
    supervisor: overrides.supervisor ?? WORKER_SUPERVISOR,
    // The game's turns (narrator, rules pool, safety, the turn graph) unless the caller names its own.
    services: overrides.services ?? turnServices(),
  };
}

/**
 * A node on the defaults, its state in CouchDB (see startStateBackend) unless `overrides.store`
 * names another store (MEMORY_STORE for none). node.close() saves the actors, then stops the
 * embedded server if one was started.
 */
export async function startDefaultNode(overrides: Partial<NodeOptions> = {}, env: NodeJS.ProcessEnv = process.env): Promise<GlassNode> {
  const telemetry = telemetryConfigFromEnv(env);
  const backend = overrides.store === undefined ? await startStateBackend(env) : null;
  const nodeId = overrides.nodeId ?? defaultNodeId();
  return startOnBackend(backend, () => startTracedNode(defaultNodeOptions({ ...overrides, nodeId, store: overrides.store ?? backend!.store }), telemetry));
}

/**
 * startNode with the OTEL_* telemetry of `config`: the main thread's provider first (the gateway's
 * spans), the `telemetry` service in every worker, and both flushed and stopped when the node closes.
 * With traces off nothing is added and no SDK is loaded.
 */
async function startTracedNode(options: NodeOptions, config: TelemetryConfig, parts?: ClusterParts): Promise<GlassNode> {
  const main = await startMainTelemetry(options.nodeId!, config);
  let node: GlassNode;
  try {
    node = await startNode({ ...options, services: withTelemetryService(options.services ?? {}, config) }, parts);
  } catch (err) {
    await main.close();
    throw err;
  }
  node.onClose(() => main.close());
  return node;
}

/**
 * A node that joins the cluster named by `prefix` on Redis: membership by heartbeats, placement
 * over the live nodes, actor messages to other nodes over Redis Streams. The state store is
 * `options.store`, else the CouchDB at COUCHDB_URL, else — only with GLASS_DEV_SHARED_STORE=1 —
 * the development server one node embeds for all (see startSharedDevStore); without either it
 * refuses to start (GLASS_ERR_CLUSTER_STORE_URL). Everything it writes to Redis is signed with the
 * cluster key (`options.clusterKey`, else from `env`: see cluster-key.ts), and it refuses to start
 * without a usable one (GLASS_ERR_CLUSTER_KEY). Resolves once the node is registered and
 * its first view is in place on every thread.
 */
export async function startClusterNode(options: ClusterNodeOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<GlassNode> {
  const { redisUrl, prefix = 'glass', heartbeatMs, downAfterMs, address, clusterKey: keyOption, workerStreams: streamsOption, ...overrides } = options;
  // First: a node without its key (or with the token key) refuses to start before touching Redis.
  const clusterKey = clusterKeyFrom(keyOption, env);
  const telemetry = telemetryConfigFromEnv(env);
  const url = redisUrl ?? (env.REDIS_URL || DEFAULT_REDIS_URL);
  const nodeId = overrides.nodeId ?? defaultNodeId();
  const workers = overrides.workers ?? availableParallelism();
  const backend = overrides.store === undefined ? await startSharedDevStore(url, prefix, nodeId, env, clusterKey) : null;
  const membership = new RedisMembership({ nodeId, workers, redisUrl: url, keyPrefix: `${prefix}:`, heartbeatMs, downAfterMs, address, clusterKey });
  // Trimmed in the background: only what every reader acknowledged goes.
  // Write-behind actors acknowledge with their next save: allow a period's worth in flight.
  const transport = new RedisStreamsTransport({ nodeId, redis: url, prefix, clusterKey, trimIntervalMs: TRIM_INTERVAL_MS, maxInFlightEntries: 16_384 });
  const workerStreams = (streamsOption ?? env.GLASS_WORKER_STREAMS === '1') ? workerStreamsRef(url, prefix, clusterKey) : null;
  const parts: ClusterParts = { transport, membership, status: () => ({ transport: transport.status, stream: transport.stats(), forgedMemberRecords: membership.forgedRecords() }) };
  const node = await startOnBackend(
    backend,
    async () => {
      await membership.start();
      return startTracedNode(defaultNodeOptions({ ...overrides, nodeId, workers, workerStreams, store: overrides.store ?? backend!.store }), telemetry, parts);
    },
    async () => {
      await membership.close().catch(() => {});
      await transport.close().catch(() => {});
    },
  );
  logClusterEvents(node, transport, membership);
  // Where Redis is and whose key signs: never the password, never the key.
  node.log.info({ redis: redisDescription(url), clusterKey: clusterKey.source, clusterKeyFile: clusterKey.path }, 'cluster on Redis; entries, ops messages and member records signed with the cluster key');
  if (!redisHasPassword(url)) {
    node.log.warn({ redis: redisDescription(url) }, 'Redis asks this node for no password: anyone who reaches it can read the cluster traffic and fill it (set a password or an ACL user in REDIS_URL, redis://user:password@host:port, and rediss:// for TLS)');
  }
  const timing = { heartbeatMs: heartbeatMs ?? DEFAULT_HEARTBEAT_MS, downAfterMs: downAfterMs ?? DEFAULT_DOWN_AFTER_MS };
  const claims = new DeadNodeClaims(node, transport, membership.members.bind(membership), timing, workerStreams !== null);
  membership.onChange((members, change) => claims.changed(members, change));
  const sweep = new DeadStreamSweep(node, transport, membership.members.bind(membership), timing);
  sweep.start();
  node.onClose(() => {
    claims.stop();
    sweep.stop();
  });
  return node;
}

/** What each worker builds its own link to the other nodes from (the key sealed: it crosses as workerData, never printed). */
function workerStreamsRef(redis: string, prefix: string, key: ClusterKey): ModuleRef {
  const options: WorkerStreamsOptions = { redis, prefix, clusterKey: key.sealForWorkers(), trimIntervalMs: TRIM_INTERVAL_MS, maxInFlightEntries: 16_384 };
  return { ...WORKER_STREAMS, options };
}

/**
 * Starts a node whose store is `backend` (null: a store the caller named, nothing to stop). If the
 * node does not start, `undo` releases what was opened for it, then the backend; once it runs,
 * the backend is stopped after the node closes.
 */
async function startOnBackend(backend: StateBackend | null, start: () => Promise<GlassNode>, undo?: () => Promise<void>): Promise<GlassNode> {
  let node: GlassNode;
  try {
    node = await start();
  } catch (err) {
    await undo?.();
    await backend?.close();
    throw err;
  }
  if (backend !== null) {
    backend.attach?.(node);
    node.onClose(() => backend.close());
    node.log.info({ store: backend.description }, 'actor state in CouchDB');
  }
  return node;
}

/** What the cluster parts report, in the node's log; envelopes given up go back to their senders. */
function logClusterEvents(node: GlassNode, transport: RedisStreamsTransport, membership: RedisMembership): void {
  const log = node.log;
  transport.on('status', (status, cause) => {
    const fields = { status, err: cause instanceof Error ? cause.message : undefined };
    if (status === 'degraded') log.warn(fields, 'cluster transport degraded: cross-node sends are retried');
    else log.info(fields, 'cluster transport status');
  });
  transport.on('undeliverable', (to, envelopes, error) => {
    log.error({ to, envelopes: envelopes.length, code: error.code }, 'cross-node envelopes given up');
    node.refuseUndeliverable(envelopes, error);
  });
  transport.on('forged', (error) => {
    // Stream and entry id only: never the payload.
    const { stream, id, reason } = error.details as { stream: string; id: string; reason?: string };
    log.warn({ stream, id, code: error.code, reason }, 'stream entry failed verification: acknowledged, deleted, not delivered');
    node.deadLetters.record({ to: stream, from: null, messageType: '(stream entry)', reason: reason === 'replayed' ? 'replayed-entry' : 'forged-entry', at: Date.now() });
  });
  transport.on('malformed', (error) => log.error({ err: error.message }, 'malformed stream entry acknowledged and dropped'));
  transport.on('deliver-error', (err) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'delivery failed; entry left pending'));
  membership.onStatus((status, lastError) => {
    if (status === 'connected') log.info({ status }, 'cluster membership connected');
    else log.warn({ status, err: lastError?.message }, 'cluster membership lost Redis: the last view is kept');
  });
}
