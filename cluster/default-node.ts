import { resolve } from 'node:path';
import { type ModuleRef } from '../runtime/index.js';
import { startNode, type GlassNode, type NodeOptions } from '../runtime/node/index.js';
import { redactCredentials } from './couch/couch-options.js';
import { startEmbeddedCouch } from './couch/embedded-couch.js';
import { COUCH_STATE_STORE_MODULE, GAME_ACTORS, HASHRING_PLACEMENT, WORKER_SUPERVISOR } from './worker-modules.js';

export const DEFAULT_COUCH_DB = 'glass_actors';
/** Where the embedded server keeps its files when GLASS_DATA_DIR is not set (from the working directory). */
export const DEFAULT_DATA_DIR = '.data/couch';

/** Where a node's actor state lives, and how to let go of it. */
export interface StateBackend {
  readonly store: ModuleRef;
  /** The server (credentials removed) and, if embedded, its data directory: for logs. */
  readonly description: string;
  close(): Promise<void>;
}

export function couchStoreRef(url: string, db: string = DEFAULT_COUCH_DB): ModuleRef {
  return { module: COUCH_STATE_STORE_MODULE, export: 'createCouchStateStore', options: { url, db } };
}

/**
 * The durable store of a node: the CouchDB at COUCHDB_URL, or else a CouchDB-protocol server
 * embedded in a child process, on GLASS_DATA_DIR (default .data/couch). Only the embedded server is
 * ours to stop: close() stops it, and does nothing for an outside CouchDB.
 */
export async function startStateBackend(env: NodeJS.ProcessEnv = process.env): Promise<StateBackend> {
  const url = env.COUCHDB_URL;
  if (url !== undefined && url !== '') {
    return { store: couchStoreRef(url), description: redactCredentials(url), close: async () => {} };
  }
  const dataDir = resolve(env.GLASS_DATA_DIR || DEFAULT_DATA_DIR);
  const couch = await startEmbeddedCouch({ dataDir });
  return { store: couchStoreRef(couch.url), description: `embedded ${couch.url} on ${dataDir}`, close: () => couch.close() };
}

/** Options for a node on the game's kinds and hashring placement; the store is the runtime's (memory) unless given. */
export function defaultNodeOptions(overrides: Partial<NodeOptions> = {}): NodeOptions {
  return {
    ...overrides,
    actorModules: overrides.actorModules ?? [GAME_ACTORS],
    placement: overrides.placement ?? HASHRING_PLACEMENT,
    supervisor: overrides.supervisor ?? WORKER_SUPERVISOR,
  };
}

/**
 * A node on the defaults, its state in CouchDB (see startStateBackend) unless `overrides.store`
 * names another store (MEMORY_STORE for none). node.close() saves the actors, then stops the
 * embedded server if one was started.
 */
export async function startDefaultNode(overrides: Partial<NodeOptions> = {}, env: NodeJS.ProcessEnv = process.env): Promise<GlassNode> {
  if (overrides.store !== undefined) return startNode(defaultNodeOptions(overrides));
  const backend = await startStateBackend(env);
  let node: GlassNode;
  try {
    node = await startNode(defaultNodeOptions({ ...overrides, store: backend.store }));
  } catch (err) {
    await backend.close();
    throw err;
  }
  node.onClose(() => backend.close());
  node.log.info({ store: backend.description }, 'actor state in CouchDB');
  return node;
}
