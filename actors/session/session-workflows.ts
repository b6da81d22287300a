// What a session asks to run after its turns: the consolidation of each committed turn into the
// world's lore (cluster/workflows/). The start is recorded with the commit and released after its
// save (actors/workflow-starts.ts); its id names the session and the turn, so asking twice is one start.
import { consolidationWorkflowId, type WorkflowStart } from '../../runtime/index.js';
import type { Scene } from './scene.js';

/** Longest narration a consolidation carries (characters): the lore needs its gist, not a novel. */
export const CONSOLIDATION_NARRATION_LIMIT = 8_000;

/** The input of a `storyConsolidation` workflow (the world is added by the node's workflows service). */
export interface ConsolidationInput {
  session: string;
  turn: number;
  player: string;
  text: string;
  narration: string;
  /** The scene summary after the turn. */
  summary: string;
  world?: string;
}

export function consolidationStart(session: string, turn: { turn: number; player: string; text: string }, narration: string, scene: Scene, now: number): WorkflowStart {
  const input: ConsolidationInput = {
    session,
    turn: turn.turn,
    player: turn.player,
    text: turn.text,
    narration: narration.slice(0, CONSOLIDATION_NARRATION_LIMIT),
    summary: scene.summary,
  };
  return { type: 'storyConsolidation', id: consolidationWorkflowId(session, turn.turn), input, requestedAt: now };
}
