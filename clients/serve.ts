// Composes a node's public edge: the gateway, and the products mounted on it. The gateway serves
// sockets and HTTP; this file decides what it carries: the moderation desk (behind the override
// frames and /api/overrides), the ops surface (/ops, /metrics), wired to the audit log, and the
// player web client (/app).
// `glass start` reaches it through startGateway; tests and the bench do too.
import { InvalidOptionError, type ObjectStore, type SearchIndex } from '../runtime/index.js';
import { type GlassNode } from '../runtime/node/index.js';
import { createObjectStore, objectStoreConfigOfServices, startMetricExport, telemetryConfigFromEnv, threadResource, type MetricExportConfig } from '../cluster/index.js';
import {
  GatewayServer,
  integerOption,
  resolveGatewayServerOptions,
  type GatewayEvents,
  type GatewayServerOptions,
  type GatewayStats,
} from './gateway/index.js';
import { AuditLog, ModerationDesk, mountModerationApi, socketOverrides } from './moderation/index.js';
import { mountOps, opsAuditHook, opsRefusalHook, type OpsRoutes } from './ops/index.js';
import { mountWebApp } from './web/index.js';

export interface GatewayOptions extends GatewayServerOptions {
  /**
   * The moderation audit log (PostgreSQL). Without one (the default) every override is refused with
   * GLASS_ERR_AUDIT_UNAVAILABLE: nothing is applied unaudited. The caller opens and closes it.
   */
  audit?: AuditLog | null;
  /** The node's archive (an ObjectStore, see cluster/archive/) `history` pages read older entries from; the caller closes it. Default: the store of the node's own `objects` service (null: hot entries only). */
  archive?: ObjectStore | null;
  /** How long an override waits for its target's acknowledgement before GLASS_ERR_OVERRIDE_TIMEOUT. Default 5000. */
  overrideTimeoutMs?: number;
  /** The index behind the `search` frame (docs/SEARCH.md); absent: searches are refused. The caller opens and closes it. */
  search?: SearchIndex | null;
  /**
   * Where the node's metrics (the ops registry /metrics serves) also go over OTLP/HTTP; default
   * from OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT in process.env; null: not exported. Stopped, after a
   * last export, when the node closes.
   */
  metricsExport?: MetricExportConfig | null;
}

/**
 * A node's gateway with moderation and ops mounted on it: what startGateway returns. `ops` is the
 * ops surface (its service takes the cluster publisher and the drain hook); the rest is the
 * gateway's own.
 */
export class Gateway {
  readonly node: GlassNode;
  /** The ops page, its live feed, the ops API and /metrics (see docs/OPS.md). */
  readonly ops: OpsRoutes;
  readonly moderation: ModerationDesk;
  readonly #server: GatewayServer;

  private constructor(server: GatewayServer, ops: OpsRoutes, moderation: ModerationDesk) {
    this.node = server.node;
    this.#server = server;
    this.ops = ops;
    this.moderation = moderation;
  }

  /** Builds the desk and the ops surface, mounts them on a new gateway, and starts it listening. */
  static async start(options: GatewayOptions): Promise<Gateway> {
    const o = resolveGatewayServerOptions(options);
    const audit = options.audit ?? null;
    if (audit !== null && !(audit instanceof AuditLog)) throw new InvalidOptionError('audit', 'an AuditLog or null', typeof audit);
    const overrideTimeoutMs = integerOption('overrideTimeoutMs', options.overrideTimeoutMs ?? 5_000, 100, 600_000);
    const { node, key, log } = o;
    // A sibling of the gateway's logger, not its child: a child of it would carry `component` twice.
    // Filled in as the gateway mounts its parts, which it does before it listens.
    const made: { ops: OpsRoutes | null; gateway: Gateway | null } = { ops: null, gateway: null };
    const onApplied = (o: { command: string; target: { kind: string } }): void => made.ops?.service.countOverride(o.command, o.target.kind);
    const desk = new ModerationDesk({ node, audit, log: (options.logger ?? node.log).child({ component: 'moderation' }), ackTimeoutMs: overrideTimeoutMs, onApplied });
    const server = await GatewayServer.start(o, {
      overrides: socketOverrides(desk),
      mounts: [
        {
          mount: ({ app }) => {
            const ops = mountOps(app, { node, key, log, drainNode: () => (made.gateway?.close() ?? Promise.resolve()).then(() => node.close()) });
            // Ops actions share the moderation audit chain; without a log configured they are only logged.
            if (audit !== null) ops.service.setAudit(opsAuditHook(audit));
            // Refused ops requests (401, 403, refused actions) too, within a bound per caller.
            if (audit !== null) ops.setRefusalAudit(opsRefusalHook(audit, node.id));
            made.ops = ops;
          },
          close: () => made.ops?.close(),
        },
        {
          mount: ({ app, limiter, closing, refused }) =>
            mountModerationApi(app, { node, desk, key, limiter, maxBodyBytes: o.maxFrameBytes, log, closing, refused }),
        },
        // The player web client (/app): the bundle's static files, no token needed to load them.
        { mount: ({ app }) => mountWebApp(app) },
      ],
      observeTurnLatency: (ms) => made.ops?.service.observeTurnLatency(ms),
      observeHubHop: (seconds) => made.ops?.service.metrics.observeHubHop(seconds),
      search: options.search ?? null,
      archive: options.archive !== undefined ? options.archive : nodeArchive(node),
    });
    if (made.ops === null) throw new Error('the gateway did not mount ops');
    made.gateway = new Gateway(server, made.ops, desk);
    const metricsExport = options.metricsExport !== undefined ? options.metricsExport : telemetryConfigFromEnv(process.env).metrics;
    if (metricsExport !== null) {
      const exported = await startMetricExport(metricsExport, threadResource(node.id, 'main'), made.ops.service.metrics.registry);
      node.onClose(() => exported.shutdown());
    }
    return made.gateway;
  }

  get port(): number {
    return this.#server.port;
  }

  get connections(): number {
    return this.#server.connections;
  }

  stats(): GatewayStats {
    return this.#server.stats();
  }

  /** Listens to a gateway event; returns the function that stops listening. */
  on<E extends keyof GatewayEvents>(event: E, listener: (...args: GatewayEvents[E]) => void): () => void {
    return this.#server.on(event, listener);
  }

  /**
   * Stops listening, closes every socket (1001: clients resume on another node), leaves their rooms
   * and the held ones, and waits for those leaves; then closes ops and fails pending overrides.
   * The node stays up. Idempotent.
   */
  close(): Promise<void> {
    return this.#server.close();
  }
}

/** The store the node's workers archive to (their `objects` service), opened here too and closed with the node; null without one. */
function nodeArchive(node: GlassNode): ObjectStore | null {
  const config = objectStoreConfigOfServices(node.options.services);
  if (config === undefined) return null;
  const store = createObjectStore(config);
  node.onClose(() => store.close());
  return store;
}

/** Starts a node's gateway with moderation and ops mounted (see Gateway.start). */
export function startGateway(options: GatewayOptions): Promise<Gateway> {
  return Gateway.start(options);
}
