// What a node adds to a start before it goes anywhere: the consolidation's world and the fan-out's
// targets come from the node's configuration, not from the actor that asked.
import type { WorkflowStart } from '../../runtime/index.js';
import type { WorkflowConfig } from './workflow-config.js';

export function completeStart(s: WorkflowStart, config: WorkflowConfig): WorkflowStart {
  const input = s.input !== null && typeof s.input === 'object' && !Array.isArray(s.input) ? (s.input as Record<string, unknown>) : {};
  if (s.type === 'storyConsolidation' && input.world === undefined) return { ...s, input: { ...input, world: config.world } };
  if (s.type === 'moderationFanOut' && input.targets === undefined) return { ...s, input: { ...input, targets: config.fanOutTargets } };
  return s;
}
