import { Redis } from 'ioredis';
import { couchStoreRef, startStateBackend, type StateBackend } from './state-backend.js';

const WAIT_MS = 30_000;
const POLL_MS = 200;

/**
 * The state store of a development cluster (no COUCHDB_URL): the first node to start serves the
 * embedded CouchDB-protocol server and records its URL in Redis (`<prefix>:dev-couch`); the others
 * find it there and use it, so that an actor moving between nodes finds its state. Every node of
 * one machine reaches it on loopback. It lives with the node that serves it: production sets
 * COUCHDB_URL, shared by all nodes.
 */
export async function startSharedDevStore(redisUrl: string, prefix: string, nodeId: string, env: NodeJS.ProcessEnv): Promise<StateBackend> {
  if (env.COUCHDB_URL !== undefined && env.COUCHDB_URL !== '') return startStateBackend(env);
  const key = `${prefix}:dev-couch`;
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const url = await redis.get(key);
      if (url !== null && (await reachable(url))) {
        return { store: couchStoreRef(url), description: `the development CouchDB served by another node (${url})`, close: async () => {} };
      }
      // One node starts it; the others wait for its URL.
      if ((await redis.set(`${key}:lock`, nodeId, 'PX', WAIT_MS, 'NX')) === 'OK') {
        const backend = await startStateBackend(env);
        const served = (backend.store.options as { url: string }).url;
        await redis.set(key, served);
        return backend;
      }
      if (Date.now() > deadline) throw new Error(`no development CouchDB appeared in Redis at ${key} within ${WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    redis.disconnect();
  }
}

async function reachable(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return res.ok;
  } catch {
    return false;
  }
}
