// The workflows a Temporal worker of this project runs: the bundle's entry (bundleWorkflowCode's
// workflowsPath). Each workflow's exported name is its Temporal type (runtime/workflow-starter.ts).
export { storyConsolidation } from './story-consolidation.js';
export { checkRunner } from './check-runner.js';
export { moderationFanOut } from './moderation-fan-out.js';
