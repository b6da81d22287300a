// The seed's Temporal scaling triggers (DES-19, "Temporal Workflow Stack" and "Scale-Up Triggers"),
// measured from the node's workflow figures: lag p95 over 5 s for 10 minutes, more than 20 active
// workflows per core, more than 150 workflows an hour. With no workflow service, or in process with
// nothing run, the values are what the node knows (null for a lag not measured yet).
import { WORKFLOW_SERVICE } from '../../runtime/index.js';
import type { GlassNode } from '../../runtime/node/index.js';

export const WORKFLOW_TRIGGERS = [
  {
    id: 'workflow-lag-p95',
    label: 'p95 workflow start lag (telemetry.temporal.workflowLag)',
    threshold: 5,
    unit: 's',
    sustainMs: 10 * 60_000,
    action: 'Split the Temporal history service onto a dedicated 4-vCPU node and add workflow worker nodes (glass workflows worker).',
  },
  {
    id: 'workflows-per-core',
    label: 'Active workflows per core',
    threshold: 20,
    unit: 'workflows',
    sustainMs: 0,
    action: 'Split the Temporal history service onto a dedicated 4-vCPU node and add workflow worker nodes (glass workflows worker).',
  },
  {
    id: 'workflows-per-hour',
    label: 'Workflows started in the last hour',
    threshold: 150,
    unit: 'workflows/h',
    sustainMs: 0,
    action: 'Move the Temporal frontend and matching services to dedicated high-CPU nodes; evaluate Temporal Cloud only if ops budget exceeds team bandwidth.',
  },
] as const;

export type WorkflowTriggerId = (typeof WORKFLOW_TRIGGERS)[number]['id'];

/** What the triggers are measured from (a WorkflowStatsSnapshot of cluster/workflows). */
export interface WorkflowSignalInputs {
  mode: 'temporal' | 'in-process';
  lagP95Seconds: number | null;
  active: number | null;
  cores: number;
  perHour: number;
}

export function measureWorkflows(id: WorkflowTriggerId, w: WorkflowSignalInputs | null): { value: number | null; detail: string } {
  if (w === null) return { value: null, detail: 'no workflow service on this node' };
  const where = w.mode === 'temporal' ? 'on Temporal' : 'in process (no TEMPORAL_ADDRESS)';
  switch (id) {
    case 'workflow-lag-p95':
      return { value: w.lagP95Seconds, detail: w.lagP95Seconds === null ? `no workflow started in the last 10 min, ${where}` : `request to durable start, last 10 min, ${where}` };
    case 'workflows-per-core':
      return w.active === null
        ? { value: null, detail: 'running count not known yet (asked of Temporal every 15 s)' }
        : { value: w.active / Math.max(1, w.cores), detail: `${w.active} running over ${w.cores} cores, ${where}` };
    case 'workflows-per-hour':
      return { value: w.perHour, detail: `started in the last hour, ${where}` };
  }
}

/** The figures of the node's workflow front (node.mainService('workflows')), or null without one. */
export function workflowFigures(node: GlassNode, now: number): WorkflowSignalInputs | null {
  const front = node.mainService(WORKFLOW_SERVICE) as { stats?: (now: number) => WorkflowSignalInputs } | undefined;
  return typeof front?.stats === 'function' ? front.stats(now) : null;
}
