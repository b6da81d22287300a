import { resolve } from 'node:path';
import type { ModuleRef } from '../../runtime/index.js';
import { DEFAULT_COUCH_DB, redactCredentials, startEmbeddedCouch } from '../couch/index.js';
import { COUCH_STATE_STORE_MODULE } from '../worker-modules.js';

/** Where the embedded server keeps its files when GLASS_DATA_DIR is not set (from the working directory). */
export const DEFAULT_DATA_DIR = '.data/couch';

/** Where a node's actor state lives, and how to let go of it. */
export interface StateBackend {
  readonly store: ModuleRef;
  /** The server (credentials removed) and, if embedded, its data directory: for logs. */
  readonly description: string;
  close(): Promise<void>;
}

/** The store every worker of a node builds for itself: the CouchDB store at `url`, by reference. */
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
