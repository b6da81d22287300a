// moderationFanOut: an applied override is told to every moderators' channel, each delivery its own
// activity (one slow webhook does not hold the others back; each is retried on its own).
// Sandboxed workflow code: only @temporalio/workflow and pure modules.
import { proxyActivities } from '@temporalio/workflow';
import type { FanOutInput, FanOutResult, GlassActivities } from '../workflow-types.js';

const { notifyModerators } = proxyActivities<GlassActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 8 },
});

/** Channels one notice may go to; the starter never asks for more. */
export const MAX_FAN_OUT_TARGETS = 16;

export async function moderationFanOut(input: FanOutInput): Promise<FanOutResult> {
  const targets = input.targets.slice(0, MAX_FAN_OUT_TARGETS);
  await Promise.all(targets.map((target) => notifyModerators({ target, notice: input.notice })));
  return { delivered: targets.length };
}
