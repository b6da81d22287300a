// The workflows room: the Temporal side of the WorkflowStarter seam (runtime/workflow-starter.ts).
// The node's front (main thread) and each worker's starter, the in-process runner of the embedded
// default, the activities, and the configuration. The workflow code itself (workflows/) is loaded
// only by a Temporal worker's bundler, and temporal-worker.ts / temporal-starter.ts (which load
// @temporalio/*) only on demand: this entry imports neither.
export { WORKFLOW_FRONT, createWorkflowFront, type WorkflowFront } from './workflow-front.js';
export { WORKFLOW_STARTER, MAX_PENDING_STARTS, createWorkflowStarterClient, type WorkflowStarterClient } from './workflow-starter-client.js';
export { InProcessRunner, type InProcessRunnerOptions } from './in-process-runner.js';
export { WorkflowStats, type WorkflowStatsSnapshot } from './workflow-stats.js';
export { describeWorkflowConfig, workflowConfig, workflowConfigFromEnv, type TemporalConfig, type WorkflowConfig } from './workflow-config.js';
export { createGlassActivities, NonRetryableActivityError, type ActivityDeps } from './activities/glass-activities.js';
export { digestTurn, extractEntities, slugOf, LORE_LIMITS } from './activities/lore-digest.js';
export { writeDigest, type LoreDocument } from './activities/lore-writer.js';
export { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, DEFAULT_WORLD } from './workflow-types.js';
export type * from './workflow-types.js';

/** `glass workflows worker`: loads @temporalio/worker only when called. */
export async function loadTemporalWorker(): Promise<typeof import('./temporal-worker.js')> {
  return import('./temporal-worker.js');
}
