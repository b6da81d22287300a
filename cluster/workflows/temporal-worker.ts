// The Temporal worker of `glass workflows worker`: polls the task queue, runs the sandboxed workflow
// code (workflows/, bundled by @temporalio/worker) and the activities. Loaded only by that command
// and by the tests: @temporalio/worker and its native core are never on a node's start path.
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../runtime/index.js';
import { NonRetryableActivityError } from './activities/glass-activities.js';
import type { TemporalConfig } from './workflow-config.js';
import type { GlassActivities } from './workflow-types.js';

/** The bundle's entry: the workflows and nothing else (bundleWorkflowCode's workflowsPath). */
export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.js', import.meta.url));

export interface TemporalWorkerOptions {
  config: TemporalConfig;
  activities: GlassActivities;
  log: Logger;
  /** Aborting it shuts the worker down (its running activities finish first). */
  signal?: AbortSignal;
}

/** Activities as Temporal takes them: a failure no retry can cure is marked non-retryable. */
export async function temporalActivities(activities: GlassActivities): Promise<GlassActivities> {
  const { ApplicationFailure } = await import('@temporalio/common');
  const wrapped: Record<string, (input: never) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(activities) as [string, (input: never) => Promise<unknown>][]) {
    wrapped[name] = async (input: never) => {
      try {
        return await fn(input);
      } catch (err) {
        if (err instanceof NonRetryableActivityError) throw ApplicationFailure.nonRetryable(err.message, err.code);
        throw err;
      }
    };
  }
  return wrapped as unknown as GlassActivities;
}

/** Runs until the signal aborts (or the worker fails). */
export async function runTemporalWorker(o: TemporalWorkerOptions): Promise<void> {
  const { NativeConnection, Worker } = await import('@temporalio/worker');
  const connection = await NativeConnection.connect({ address: o.config.address });
  try {
    const worker = await Worker.create({
      connection,
      namespace: o.config.namespace,
      taskQueue: o.config.taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: await temporalActivities(o.activities),
    });
    o.log.info({ address: o.config.address, namespace: o.config.namespace, taskQueue: o.config.taskQueue }, 'Temporal worker polling');
    const stop = (): void => worker.shutdown();
    o.signal?.addEventListener('abort', stop, { once: true });
    try {
      await worker.run();
    } finally {
      o.signal?.removeEventListener('abort', stop);
    }
  } finally {
    await connection.close();
  }
}
