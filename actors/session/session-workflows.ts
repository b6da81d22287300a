// What a session asks to run after its turns (cluster/workflows/): the consolidation of each
// committed turn into the world's lore, and the checks of a turn they overran. The start is recorded
// with the commit and released after its save (actors/workflow-starts.ts); its id names the session
// and the turn, so asking twice is one start.
import { checkRunnerWorkflowId, consolidationWorkflowId, type WorkflowStart } from '../../runtime/index.js';
import type { CheckRequest } from './rules.js';
import type { Scene } from './scene.js';

/** Longest narration a consolidation carries (characters): the lore needs its gist, not a novel. */
export const CONSOLIDATION_NARRATION_LIMIT = 8_000;

/**
 * The input of a `storyConsolidation` workflow (without the session's own world, the node's workflows
 * service adds its GLASS_WORLD).
 * Not the player's own text: a moderator's `redact` removes it from the transcript, and lore made
 * from it (or a Temporal history holding it) would keep it. The lore is made from the narration.
 */
export interface ConsolidationInput {
  session: string;
  turn: number;
  player: string;
  narration: string;
  /** The scene summary after the turn. */
  summary: string;
  world?: string;
}

/** `world`: the session's own (named by its creating join); absent, the node's (GLASS_WORLD). */
export function consolidationStart(session: string, turn: { turn: number; player: string }, narration: string, scene: Scene, now: number, world?: string): WorkflowStart {
  const input: ConsolidationInput = {
    session,
    turn: turn.turn,
    player: turn.player,
    narration: narration.slice(0, CONSOLIDATION_NARRATION_LIMIT),
    summary: scene.summary,
    ...(world !== undefined && { world }),
  };
  return { type: 'storyConsolidation', id: consolidationWorkflowId(session, turn.turn), input, requestedAt: now };
}

/**
 * The checks of a turn that failed because they overran the turn's rules deadline
 * (GLASS_ERR_RULES_TIMEOUT): rolled by a `checkRunner` workflow instead, under `checks:<session>:<turn>`,
 * with the same request the turn made (the check model is deterministic: the same rolls).
 */
export function checkRunnerStart(session: string, turn: { turn: number; player: string; text: string }, momentum: number, now: number): WorkflowStart {
  const request: CheckRequest = { session, turn: turn.turn, player: turn.player, text: turn.text, modifiers: {}, momentum };
  return { type: 'checkRunner', id: checkRunnerWorkflowId(session, turn.turn), input: { session, turn: turn.turn, request }, requestedAt: now };
}
