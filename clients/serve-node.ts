// A whole node as `glass start` runs it: the token key, the node (alone, or in a cluster on
// Redis), the moderation audit log, the gateway with moderation and ops mounted, and the ops
// publisher that lets `glass ops` see the cluster. bin/commands/start.ts calls it; so may any
// harness that wants a real node in-process.
import { CheckpointSchedule, checkpointsForNode, COUCH_STATE_STORE_MODULE, createObjectStore, objectStoreConfigForBucket, objectStoreConfigFromEnv, startClusterNode, startDefaultNode, startNodePostgres, startNodeSearch, startOpsPublisher, telemetryConfigFromEnv, type NodePostgres, type NodeSearch } from '../cluster/index.js';
import { type GlassNode, type NodeOptions } from '../runtime/node/index.js';
import type { SafetyRegistry } from '../actors/index.js';
import { AUDIT_EXPORT_BUCKET, AuditExport, AuditLog, DEFAULT_AUDIT_EXPORT_EVERY_MS, auditSafetyRegistry } from './moderation/index.js';
import { MAX_TIMER_MS, integerOption } from '../runtime/index.js';
import { startGateway, type Gateway, type GatewayOptions } from './serve.js';
import { resolveTokenPublicKey, resolveTokenSecret } from './tokens/index.js';

export interface ServeNodeOptions {
  port: number;
  host: string;
  workers?: number;
  idleAfterMs?: number;
  logLevel: string;
  nodeId?: string;
  /** Join the cluster on this Redis; without it the node runs alone. */
  redisUrl?: string;
  /** The cluster's name: its Redis key prefix. */
  cluster: string;
  /** A worker whose event loop stands still this long is ended and restarted (the node's option; 0: off). Default 3000. */
  blockedAfterMs?: number;
  /** The gateway's edge limits (see GatewayServerOptions); what is left out keeps the gateway's default. */
  edge?: ServeNodeEdge;
  /** Node services (NodeOptions.services); default the game's (cluster/turns turnServices: narrator, rules, safety, turns). */
  services?: NodeOptions['services'];
  /** The safety registry the services were given (GLASS_SAFETY_REGISTRY_FILE): audited before the gateway listens. */
  safetyRegistry?: SafetyRegistry;
}

/** The edge limits `glass start` reads from its environment. */
export type ServeNodeEdge = Pick<GatewayOptions, 'maxRoomMembers' | 'maxConnectionsPerIp' | 'trustedProxies' | 'textBudget' | 'creation'>;

/** A node serving players: close it gateway first, so rooms are left before the node saves its actors. */
export interface ServedNode {
  readonly node: GlassNode;
  readonly gateway: Gateway;
  readonly audit: AuditLog | null;
  /** The node's PostgreSQL: GLASS_PG_URL's server, or the embedded one this node runs (cluster/postgres). */
  readonly postgres: NodePostgres;
  close(): Promise<void>;
}

/**
 * Starts the node and serves it. `listening` runs once the gateway listens and before the node
 * joins the cluster's ops view (the caller installs its signal handlers there, so a signal during
 * that join already shuts down cleanly).
 */
export async function serveNode(config: ServeNodeOptions, env: NodeJS.ProcessEnv, listening: (served: ServedNode) => void = () => {}): Promise<ServedNode> {
  // First, so that a bad key fails before anything starts. The node verifies access tokens with
  // the public key only; its own secret signs the resume tokens it issues itself.
  const tokenKey = await resolveTokenPublicKey(env);
  const secret = await resolveTokenSecret(env);
  const options = {
    ...(config.workers !== undefined && { workers: config.workers }),
    ...(config.idleAfterMs !== undefined && { idleAfterMs: config.idleAfterMs }),
    ...(config.nodeId !== undefined && { nodeId: config.nodeId }),
    ...(config.blockedAfterMs !== undefined && { blockedAfterMs: config.blockedAfterMs }),
    ...(config.services !== undefined && { services: config.services }),
    logLevel: config.logLevel,
  };
  const node =
    config.redisUrl === undefined
      ? await startDefaultNode(options)
      : await startClusterNode({ ...options, redisUrl: config.redisUrl, prefix: config.cluster, address: `ws://${config.host}:${config.port}` });
  // The audit log connects in the background: an unreachable PostgreSQL refuses overrides, not players.
  // Without GLASS_PG_URL the embedded one listens at once and opens PGlite in the background (a
  // first start runs initdb for seconds): the log connects once it is up.
  let postgres: NodePostgres;
  try {
    postgres = await startNodePostgres(env, { shareRunning: true });
  } catch (err) {
    await node.close();
    throw err;
  }
  postgres.ready.catch((err: unknown) => node.log.error({ err: (err as Error)?.message }, 'embedded PostgreSQL did not start: overrides are refused (GLASS_ERR_AUDIT_UNAVAILABLE)'));
  // The audit key and anchor come from the same environment; a bad key refuses the start (GLASS_ERR_AUDIT_KEY).
  let audit: AuditLog;
  try {
    audit = AuditLog.open({ url: postgres.url, schema: env.GLASS_PG_SCHEMA || undefined, logger: node.log, env, after: postgres.ready });
  } catch (err) {
    await postgres.close();
    await node.close();
    throw err;
  }
  if (config.safetyRegistry !== undefined) {
    // A changed registry reaches the audit chain before any player can take a turn: a failure refuses the start.
    try {
      const { written, change } = await auditSafetyRegistry(audit, config.safetyRegistry, undefined, { node: node.id });
      node.log.info({ safetyRegistry: change.version, audited: written, added: change.added, removed: change.removed, changed: change.changed }, 'safety registry');
    } catch (err) {
      await audit.close();
      await postgres.close();
      await node.close();
      throw err;
    }
  }
  const search = openSearch(node, env, postgres);
  let gateway: Gateway;
  try {
    // Hourly checkpoints of the state documents (GLASS_CHECKPOINT_EVERY_MS; docs/BACKUP.md).
    checkpointsForNode(node, env);
    exportAuditOnSchedule(node, audit, env);
    // The archive `history` pages read is the store of the workers' `objects` service (clients/serve.ts).
    gateway = await startGateway({ ...config.edge, node, port: config.port, host: config.host, tokenKey: tokenKey.key, resumeKey: secret.key, audit, search: search?.index ?? null, metricsExport: telemetryConfigFromEnv(env).metrics });
  } catch (err) {
    await search?.close();
    await audit.close();
    await postgres.close();
    await node.close();
    throw err;
  }
  if (tokenKey.development === true && (config.redisUrl !== undefined || (env.GLASS_TOKEN_SECRET ?? '') !== '')) {
    // A cluster, or a deployment that used to sign access tokens with GLASS_TOKEN_SECRET: that
    // secret now signs resume tokens only, and HS256 access tokens are refused.
    node.log.warn(
      { tokenKeyFile: tokenKey.path },
      'token key: this node verifies access tokens with its own development key pair; give every node the issuer\'s public key (GLASS_TOKEN_PUBLIC_KEY or GLASS_TOKEN_PUBLIC_KEY_FILE). GLASS_TOKEN_SECRET no longer verifies access tokens (HS256 is refused); it signs resume tokens only',
    );
  }
  // Where the key came from, never the key; where PostgreSQL is, never its credentials.
  node.log.info({ port: gateway.port, host: config.host, loopbackOnly: isLoopback(config.host), tokenKey: tokenKey.source, tokenKeyFile: tokenKey.path, tokenAlgorithm: tokenKey.algorithm, tokenSecret: secret.source, tokenSecretFile: secret.path, auditLog: postgres.description }, 'listening');
  const served: ServedNode = {
    node,
    gateway,
    audit,
    postgres,
    close: () =>
      gateway
        .close()
        .then(() => node.close())
        .then(() => search?.close())
        .then(() => audit.close())
        .then(() => postgres.close()),
  };
  // The seed's signal: search more than 3 min behind the store (ops signals, /metrics).
  void search?.indexer.then((indexer) => indexer !== null && gateway.ops.service.useSearchLag(() => indexer.status().lagMs / 1000), () => {});
  listening(served);
  if (config.redisUrl !== undefined) {
    // The ops view of the whole cluster (docs/OPS.md).
    const publisher = await startOpsPublisher({ redisUrl: config.redisUrl, prefix: config.cluster, nodeId: node.id });
    node.onClose(() => publisher.close());
    gateway.ops.service.useCluster(publisher);
  }
  return served;
}

/** The node's search (docs/SEARCH.md), following its CouchDB; GLASS_SEARCH=off runs without one. */
function openSearch(node: GlassNode, env: NodeJS.ProcessEnv, postgres: NodePostgres): NodeSearch | null {
  if (env.GLASS_SEARCH === 'off') return null;
  const store = node.options.store;
  const options = store.options as { url?: unknown; db?: unknown } | undefined;
  const couch = store.module === COUCH_STATE_STORE_MODULE && typeof options?.url === 'string' ? { url: options.url, db: typeof options.db === 'string' ? options.db : 'glass_actors' } : null;
  let logged = 0;
  // Embedded whether this process serves it or another one from the same directory does (its description says which).
  const pg = { url: postgres.url, ready: postgres.ready, embedded: postgres.embedded !== null || postgres.description.startsWith('embedded'), description: postgres.description };
  const search = startNodeSearch(env, couch, pg, (err) => {
    // A feed that keeps failing logs its first failures, not one line per retry forever.
    if (logged++ < 5) node.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'search indexing failed: retrying');
  });
  node.log.info({ search: search.description, follows: couch === null ? null : couch.db }, 'search');
  return search;
}

/** Whether a listen address reaches this machine only (what the start log says, so nobody is surprised either way). */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** The audit chain to the `glass-audit` bucket every GLASS_AUDIT_EXPORT_EVERY_MS (default nightly; 0: never). docs/BACKUP.md. */
function exportAuditOnSchedule(node: GlassNode, audit: AuditLog, env: NodeJS.ProcessEnv): void {
  const raw = env.GLASS_AUDIT_EXPORT_EVERY_MS;
  const everyMs = raw === undefined || raw === '' ? DEFAULT_AUDIT_EXPORT_EVERY_MS : integerOption('GLASS_AUDIT_EXPORT_EVERY_MS', Number(raw), 0, MAX_TIMER_MS, 'a duration in ms (0: no export)');
  if (everyMs === 0) return;
  const store = createObjectStore(objectStoreConfigForBucket(objectStoreConfigFromEnv(env), AUDIT_EXPORT_BUCKET));
  const exporter = new AuditExport(audit, store);
  const schedule = new CheckpointSchedule({
    take: async () => (audit.status === 'ready' ? exporter.run() : null),
    summary: (r) => ({ rows: r.rows, head: r.head, bucket: AUDIT_EXPORT_BUCKET }),
    label: 'audit export',
    everyMs,
    log: node.log.child({ component: 'audit-export' }),
  });
  schedule.start();
  node.onClose(async () => {
    await schedule.stop();
    await store.close();
  });
}
