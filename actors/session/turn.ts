// The contract between a session actor and what runs its turns (turn-graph.ts: the LangGraph turn
// graph). The actor owns membership, the queue and the state; the runner owns one turn's steps.
import type { NarrationEvent, NarrationUsage, RecentTurn } from './narrator.js';
import type { CheckResult, Modifiers } from './rules.js';
import type { Scene } from './scene.js';

export interface TurnInput {
  session: string;
  /** The turn's number in the session (1, 2, …). */
  turn: number;
  player: string;
  text: string;
  scene: Scene;
  /**
   * The committed turn `scene` is the result of (0: none yet). The runner may take the scene from
   * the scene cache instead, only if the cache holds the one of this turn (scene-cache-use.ts).
   */
  sceneTurn?: number;
  recent: RecentTurn[];
  modifiers: Modifiers;
  /** What intake checks, as the actor knows it when the turn starts. */
  moderation: { paused: boolean; muted: boolean; locked: boolean; member: boolean };
  /** `offline`: narrate with the offline narrator only (the budget gate decided: no LLM call). */
  narrator?: 'offline';
}

/** How a turn ended. `committed`: its narration is sent and goes into the transcript. */
export type TurnOutcome =
  | {
      status: 'committed';
      narration: string;
      checks: CheckResult[];
      scene: Scene;
      provider: string;
      usage: NarrationUsage[];
      degraded?: { from: string; reason: string };
    }
  | {
      status: 'failed';
      /** A stable GLASS_ERR_* code (intake refusals, rules failure, narration unavailable, safety). */
      code: string;
      message: string;
      checks: CheckResult[];
      usage: NarrationUsage[];
      /** A safety refusal: the registry's category (for moderators). */
      category?: string;
    };

/** What a running turn streams to the actor (which numbers it and sends it to members). */
export type TurnEvent =
  | { type: 'step'; step: 'intake' | 'rules' | 'narrate' | 'safety' | 'commit' }
  | { type: 'checks'; checks: CheckResult[] }
  | NarrationEvent;

export interface RunTurnOptions {
  signal: AbortSignal;
  onEvent(event: TurnEvent): void;
  /**
   * true: the session came back (its worker died) with this turn unfinished: carry on from the
   * turn's last checkpoint instead of starting it over.
   */
  resume?: boolean;
}

export interface TurnRunner {
  run(input: TurnInput, options: RunTurnOptions): Promise<TurnOutcome>;
}

/** Codes a turn runner refuses a run with. */
export const TurnErrors = {
  /** A turn of this session is already running in this runner (one turn at a time per session). */
  BUSY: 'GLASS_ERR_TURN_BUSY',
  /** The abort reason of a run a moderator pre-empted (never on the wire: members get `turn-cancelled`). */
  CANCELLED: 'GLASS_ERR_TURN_CANCELLED',
} as const;
