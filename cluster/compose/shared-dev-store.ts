import { GlassError } from '../../runtime/index.js';
import type { ClusterKey } from '../cluster-key.js';
import { openRedis } from '../redis-connection.js';
import { redactCredentials } from '../couch/index.js';
import { couchStoreRef, startStateBackend, type StateBackend } from './state-backend.js';

export const SharedStoreErrors = {
  /** A cluster node without COUCHDB_URL and outside the explicit development mode. */
  NO_STORE_URL: 'GLASS_ERR_CLUSTER_STORE_URL',
} as const;

/** The opt-in for a development cluster whose nodes find the embedded store through Redis. */
export const DEV_SHARED_STORE_ENV = 'GLASS_DEV_SHARED_STORE';

const DEV_STORE_MAC_CONTEXT = 'glass-dev-store/1';

const WAIT_MS = 30_000;
const POLL_MS = 200;

/**
 * The state store of a cluster node: the CouchDB at COUCHDB_URL. Configuration, not Redis, says
 * where the store is: without COUCHDB_URL a cluster node refuses to start (GLASS_ERR_CLUSTER_STORE_URL)
 * unless GLASS_DEV_SHARED_STORE=1 asks for the development cluster: the first node to start serves
 * the embedded CouchDB-protocol server and records its URL in Redis (`<prefix>:dev-couch`), signed
 * with the cluster key; the others verify it and use it, so that an actor moving between nodes
 * finds its state. Every node of one machine reaches it on loopback. It lives with the node that
 * serves it.
 */
export async function startSharedDevStore(redisUrl: string, prefix: string, nodeId: string, env: NodeJS.ProcessEnv, clusterKey: ClusterKey): Promise<StateBackend> {
  if (env.COUCHDB_URL !== undefined && env.COUCHDB_URL !== '') return startStateBackend(env);
  if (env[DEV_SHARED_STORE_ENV] !== '1') {
    throw new GlassError(
      SharedStoreErrors.NO_STORE_URL,
      `a cluster node needs COUCHDB_URL (the CouchDB every node shares); for a development cluster on one machine, set ${DEV_SHARED_STORE_ENV}=1 to share one node's embedded store through Redis`,
    );
  }
  const key = `${prefix}:dev-couch`;
  const redis = openRedis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const url = verifiedUrl(await redis.get(key), key, clusterKey);
      if (url !== null && (await reachable(url))) {
        return { store: couchStoreRef(url), description: `the development CouchDB served by another node (${redactCredentials(url)})`, close: async () => {} };
      }
      // One node starts it; the others wait for its URL.
      if ((await redis.set(`${key}:lock`, nodeId, 'PX', WAIT_MS, 'NX')) === 'OK') {
        const backend = await startStateBackend(env);
        const served = (backend.store.options as { url: string }).url;
        await redis.set(key, JSON.stringify({ url: served, mac: clusterKey.mac(DEV_STORE_MAC_CONTEXT, key, served).toString('base64') }));
        return backend;
      }
      if (Date.now() > deadline) throw new Error(`no development CouchDB appeared in Redis at ${key} within ${WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    redis.disconnect();
  }
}

/** The URL recorded under `key` if the cluster key signed it; anything else is ignored (a forged value is waited out). */
function verifiedUrl(raw: string | null, key: string, clusterKey: ClusterKey): string | null {
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw) as { url?: unknown; mac?: unknown };
    if (typeof value.url !== 'string' || typeof value.mac !== 'string') return null;
    return clusterKey.verify(Buffer.from(value.mac, 'base64'), DEV_STORE_MAC_CONTEXT, key, value.url) ? value.url : null;
  } catch {
    return null;
  }
}

async function reachable(url: string): Promise<boolean> {
  try {
    // fetch refuses a URL with credentials: they go in the header (the embedded server asks for its secret).
    const parsed = new URL(url);
    const headers: Record<string, string> = {};
    if (parsed.username !== '') headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
    parsed.username = '';
    parsed.password = '';
    const res = await fetch(parsed, { headers, signal: AbortSignal.timeout(1_000) });
    return res.ok;
  } catch {
    return false;
  }
}
