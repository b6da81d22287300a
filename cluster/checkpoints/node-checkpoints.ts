// A node's checkpoints: of the CouchDB its workers store state in (the embedded server or
// COUCHDB_URL's), to the `glass-checkpoints` bucket of its ObjectStore configuration, every
// GLASS_CHECKPOINT_EVERY_MS (default an hour; 0: none).
import { integerOption, MAX_TIMER_MS, type Clock, type ModuleRef } from '../../runtime/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { createObjectStore, objectStoreConfigForBucket, objectStoreConfigFromEnv } from '../archive/index.js';
import { COUCH_STATE_STORE_MODULE } from '../worker-modules.js';
import { CheckpointSchedule, DEFAULT_CHECKPOINT_EVERY_MS } from './checkpoint-schedule.js';
import { Checkpoints } from './checkpoints.js';

export const CHECKPOINT_BUCKET = 'glass-checkpoints';

/** The CouchDB URL and database of a state store reference; null for another store (memory). */
export function couchOfStore(store: ModuleRef): { url: string; db: string } | null {
  if (store.module !== COUCH_STATE_STORE_MODULE) return null;
  const o = (store.options ?? {}) as { url?: unknown; db?: unknown };
  return typeof o.url === 'string' && typeof o.db === 'string' ? { url: o.url, db: o.db } : null;
}

/** Starts the node's schedule (stopped when the node closes); null when its store is not CouchDB or the period is 0. */
export function checkpointsForNode(node: GlassNode, env: NodeJS.ProcessEnv, clock?: Clock): { checkpoints: Checkpoints; schedule: CheckpointSchedule } | null {
  const couch = couchOfStore(node.options.store);
  const raw = env.GLASS_CHECKPOINT_EVERY_MS;
  const everyMs = raw === undefined || raw === '' ? DEFAULT_CHECKPOINT_EVERY_MS : integerOption('GLASS_CHECKPOINT_EVERY_MS', Number(raw), 0, MAX_TIMER_MS, 'a duration in ms (0: no checkpoints)');
  if (couch === null || everyMs === 0) return null;
  const store = createObjectStore(objectStoreConfigForBucket(objectStoreConfigFromEnv(env), CHECKPOINT_BUCKET));
  const checkpoints = new Checkpoints({ couchUrl: couch.url, db: couch.db, store, ...(clock !== undefined && { clock }) });
  const schedule = new CheckpointSchedule({ take: () => checkpoints.now(), everyMs, log: node.log.child({ component: 'checkpoints' }), ...(clock !== undefined && { clock }) });
  schedule.start();
  node.onClose(async () => {
    await schedule.stop();
    await store.close();
  });
  node.log.info({ everyMs, state: checkpoints.describe(couch.url), bucket: CHECKPOINT_BUCKET }, 'state checkpoints scheduled');
  return { checkpoints, schedule };
}
