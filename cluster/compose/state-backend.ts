import { resolve } from 'node:path';
import type { ModuleRef } from '../../runtime/index.js';
import { addReadinessCheck, type GlassNode } from '../../runtime/node/index.js';
import { CouchProbe, DEFAULT_COUCH_DB, SupervisedCouch, redactCredentials, type SupervisedCouchOptions } from '../couch/index.js';
import { COUCH_STATE_STORE_MODULE } from '../worker-modules.js';

/** Where the embedded server keeps its files when GLASS_DATA_DIR is not set (from the working directory). */
export const DEFAULT_DATA_DIR = '.data/couch';

/** Where a node's actor state lives, and how to let go of it. */
export interface StateBackend {
  readonly store: ModuleRef;
  /** The server (credentials removed) and, if embedded, its data directory: for logs. */
  readonly description: string;
  /** Ties the backend to the node it serves: its readiness (`store`) and its log. */
  attach?(node: GlassNode): void;
  close(): Promise<void>;
}

/** The store every worker of a node builds for itself: the CouchDB store at `url`, by reference. */
export function couchStoreRef(url: string, db: string = DEFAULT_COUCH_DB): ModuleRef {
  return { module: COUCH_STATE_STORE_MODULE, export: 'createCouchStateStore', options: { url, db } };
}

/**
 * The durable store of a node: the CouchDB at COUCHDB_URL, or else a CouchDB-protocol server
 * embedded in a child process, on GLASS_DATA_DIR (default .data/couch). The embedded server is
 * supervised (restarted with backoff on the same port: see SupervisedCouch), answers only
 * requests carrying this start's secret, and keeps its files 0600 in a 0700 directory. Only the
 * embedded server is ours to stop: close() stops it, and does nothing for an outside CouchDB.
 */
export async function startStateBackend(env: NodeJS.ProcessEnv = process.env, supervision: Omit<SupervisedCouchOptions, 'dataDir'> = {}): Promise<StateBackend> {
  const url = env.COUCHDB_URL;
  if (url !== undefined && url !== '') {
    // Not ours to restart; its readiness is a probe (3 failures in a row, 2 s apart: not ready).
    let probe: CouchProbe | null = null;
    return {
      store: couchStoreRef(url),
      description: redactCredentials(url),
      attach: (node) => {
        const watching = (probe = new CouchProbe(url, 2_000, 1_000, 3));
        const remove = addReadinessCheck(node, 'store', () => ({ ...watching.status, outside: true }));
        node.onClose(remove);
      },
      close: async () => probe?.close(),
    };
  }
  const dataDir = resolve(env.GLASS_DATA_DIR || DEFAULT_DATA_DIR);
  const couch = await SupervisedCouch.start({ ...supervision, dataDir });
  return {
    store: couchStoreRef(couch.url),
    // safeUrl: the secret is in couch.url, and never in a log.
    description: `embedded ${couch.safeUrl} on ${dataDir} (secret per start, supervised)`,
    attach: (node) => superviseInto(node, couch),
    close: () => couch.close(),
  };
}

/** The embedded store's part in its node: `store` in the readiness, and its deaths and restarts in the log. */
function superviseInto(node: GlassNode, couch: SupervisedCouch): void {
  const log = node.log;
  const remove = addReadinessCheck(node, 'store', () => ({
    ready: couch.status === 'up',
    status: couch.status,
    restarts: couch.restarts,
    pid: couch.pid,
    port: couch.port,
    ...(couch.lastExit !== null && { lastExit: couch.lastExit }),
  }));
  couch.on('status', (status, exit) => {
    if (status === 'restarting') log.error({ pid: couch.pid, code: exit?.code, signal: exit?.signal }, 'embedded store exited: restarting it (saves wait within their retry bound)');
  });
  couch.on('restarted', (restarts, pid) => log.warn({ restarts, pid, url: couch.safeUrl }, 'embedded store restarted'));
  couch.on('restart-failed', (err, delayMs) => log.error({ err: redactCredentials(err.message), delayMs }, 'embedded store restart failed: trying again'));
  couch.on('unresponsive', (pid, failures) => log.error({ pid, failures }, 'embedded store stopped answering its probe: killed, to be restarted'));
  node.onClose(remove);
}
