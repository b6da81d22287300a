// checkRunner: checks too long to run inside a turn's deadline, run by a Temporal worker instead.
// Sandboxed workflow code: only @temporalio/workflow and pure modules.
import { proxyActivities } from '@temporalio/workflow';
import type { CheckRunnerInput, CheckRunnerResult, GlassActivities } from '../workflow-types.js';

const { runChecks } = proxyActivities<GlassActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
});

export async function checkRunner(input: CheckRunnerInput): Promise<CheckRunnerResult> {
  return { results: await runChecks(input) };
}
