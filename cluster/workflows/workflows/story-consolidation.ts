// storyConsolidation: after a session's turn, its gist and the named things in it go into the
// world's lore. Sandboxed workflow code: only @temporalio/workflow and pure modules.
import { proxyActivities } from '@temporalio/workflow';
import type { ConsolidationResult, ConsolidationWorkflowInput, GlassActivities } from '../workflow-types.js';

const { summariseTurn, writeLore } = proxyActivities<GlassActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
});

export async function storyConsolidation(input: ConsolidationWorkflowInput): Promise<ConsolidationResult> {
  const digest = await summariseTurn(input);
  const lore = await writeLore({ world: input.world, source: `${input.session}#${input.turn}`, digest });
  return { summary: digest.summary, lore };
}
