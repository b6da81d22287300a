// The server under test of the rooms scenario, in a process of its own so that its CPU time is its
// alone: a node (game kinds, memory store) and its WebSocket gateway on a free port of 127.0.0.1.
// The token key comes from GLASS_TOKEN_PUBLIC_KEY, set by the bench, exactly as `glass start` reads it.
import { resolveTokenPublicKey, startGateway, type Gateway } from '../../clients/index.js';
import { MEMORY_STORE, defaultNodeOptions, startMainTelemetry, telemetryConfigFromEnv, withTelemetryService } from '../../cluster/index.js';
import { startNode, type GlassNode } from '../../runtime/node/index.js';
import { serve } from './ipc.js';

/** Long enough that no room is passivated during a run. */
const IDLE_AFTER_MS = 3_600_000;

export interface ServerStart {
  workers: number;
  /** The gateway's per-character token bucket; omitted: the gateway's defaults. */
  rateLimit?: { burst: number; perSecond: number };
}

let node: GlassNode | null = null;
let gateway: Gateway | null = null;

serve({
  async start(a: ServerStart) {
    if (node !== null) throw new Error('already started');
    const tokenKey = await resolveTokenPublicKey(process.env);
    if (tokenKey.source !== 'env') throw new Error('GLASS_TOKEN_PUBLIC_KEY is not set for the server process');
    // Actor state in memory: every room saves after every message (its kind's policy), to the
    // runtime's in-memory store rather than CouchDB; the bench measures the live path, not a database.
    // With --tracing, the bench sets OTEL_* for this process: spans go to its sink, as glass start's would.
    const telemetry = telemetryConfigFromEnv(process.env);
    const nodeId = `rooms-${process.pid}`;
    const tracing = await startMainTelemetry(nodeId, telemetry);
    const options = defaultNodeOptions({ nodeId, workers: a.workers, store: MEMORY_STORE, idleAfterMs: IDLE_AFTER_MS, logLevel: process.env.BENCH_NODE_LOG_LEVEL ?? 'warn' });
    node = await startNode({ ...options, services: withTelemetryService(options.services ?? {}, telemetry) });
    node.onClose(() => tracing.close());
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', tokenKey: tokenKey.key, ...(a.rateLimit === undefined ? {} : { rateLimit: a.rateLimit }) });
    return { port: gateway.port, workers: node.options.workers, pid: process.pid };
  },

  stats() {
    return gateway?.stats() ?? null;
  },

  async close() {
    await gateway?.close();
    await node?.close();
    gateway = null;
    node = null;
    setImmediate(() => process.exit(0));
  },
});
