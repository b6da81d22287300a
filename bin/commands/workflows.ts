// glass workflows worker: a Temporal worker for this project's workflows (storyConsolidation,
// checkRunner, moderationFanOut) and their activities. The only command that loads @temporalio/*
// (on demand, through cluster's loadTemporalWorker): `glass start` never does.
import { createCouchStateStore, createGlassActivities, loadTemporalWorker, workflowConfigFromEnv, type TemporalConfig } from '../../cluster/index.js';
import { createLogger, type StateStore } from '../../runtime/index.js';
import { parseCommandArgs, UsageError } from '../cli-args.js';

export const WORKFLOWS_USAGE = `glass workflows worker [--address HOST:PORT] [--namespace NS] [--task-queue Q]
  Polls Temporal at TEMPORAL_ADDRESS (required; --address overrides it) in TEMPORAL_NAMESPACE
  (default "default") on TEMPORAL_TASK_QUEUE (default "glass-workflows"), until SIGINT/SIGTERM.
  Lore goes to the CouchDB at COUCHDB_URL (documents lore:<world>:<slug>, world GLASS_WORLD, default
  "glass"); without COUCHDB_URL consolidations fail and are retried by Temporal. Moderators' notices
  go to the log and to GLASS_MODERATION_WEBHOOKS (comma-separated http(s) URLs).
  Without TEMPORAL_ADDRESS, nodes run these activities in process: no worker is needed.
`;

export interface WorkflowsWorkerArgs {
  temporal: TemporalConfig;
  couchUrl: string | null;
  world: string;
  fanOutTargets: string[];
}

export function parseWorkflows(args: string[], env: NodeJS.ProcessEnv): WorkflowsWorkerArgs {
  const [sub, ...rest] = args;
  if (sub !== 'worker') throw new UsageError(`glass workflows: expected "worker" (received ${JSON.stringify(sub ?? '')})\n${WORKFLOWS_USAGE}`);
  const { values } = parseCommandArgs(rest, { address: { type: 'string' }, namespace: { type: 'string' }, 'task-queue': { type: 'string' } });
  const merged = {
    ...env,
    ...(values.address !== undefined && { TEMPORAL_ADDRESS: values.address }),
    ...(values.namespace !== undefined && { TEMPORAL_NAMESPACE: values.namespace }),
    ...(values['task-queue'] !== undefined && { TEMPORAL_TASK_QUEUE: values['task-queue'] }),
  };
  let config;
  try {
    config = workflowConfigFromEnv(merged);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (config.temporal === null) throw new UsageError('glass workflows worker needs TEMPORAL_ADDRESS (or --address): without it nodes run the activities in process');
  const couchUrl = env.COUCHDB_URL === undefined || env.COUCHDB_URL === '' ? null : env.COUCHDB_URL;
  return { temporal: config.temporal, couchUrl, world: config.world, fanOutTargets: config.fanOutTargets };
}

export async function workflowsWorker(a: WorkflowsWorkerArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const log = createLogger('glass', env.LOG_LEVEL || 'info', { component: 'workflows-worker' });
  const store: StateStore | null = a.couchUrl === null ? null : createCouchStateStore({ url: a.couchUrl });
  if (store === null) log.warn('no COUCHDB_URL: consolidations cannot write lore and will be retried by Temporal');
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const { runTemporalWorker } = await loadTemporalWorker();
  await runTemporalWorker({ config: a.temporal, activities: createGlassActivities({ store, log }), log, signal: controller.signal });
  return 0;
}
