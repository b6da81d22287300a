// The rules seam: the dice and skill checks of a turn. The check model (check-model.ts) is pure and
// deterministic; a RulesRunner runs it off the actor's event loop (on the node's piscina pool).

/** A character's skill modifiers (skill name → modifier, e.g. { athletics: 2 }). */
export type Modifiers = Record<string, number>;

export interface CheckRequest {
  session: string;
  turn: number;
  player: string;
  text: string;
  modifiers: Modifiers;
  /** The scene's momentum, which may shift difficulties. */
  momentum: number;
}

export type CheckOutcome = 'critical-success' | 'success' | 'failure' | 'critical-failure';

export interface CheckResult {
  skill: string;
  /** The d20, 1–20. */
  roll: number;
  modifier: number;
  total: number;
  difficulty: number;
  outcome: CheckOutcome;
}

export interface RulesRunner {
  /**
   * The checks a turn's text calls for (none is a valid answer). Rejects with a GlassError
   * RulesErrors.FAILED when the check model throws and RulesErrors.TIMEOUT past `timeoutMs`;
   * never takes its pool down.
   */
  check(request: CheckRequest, options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<CheckResult[]>;
  close(): Promise<void>;
}

export { RulesErrors } from '../actor-errors.js';
