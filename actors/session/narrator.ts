// The Narrator seam: what narrates a turn. Worker-safe, no I/O here: the offline narrator
// (offline-narrator.ts) and the providers (cluster/narrators/) implement it.
import type { CheckResult } from './rules.js';
import type { Scene } from './scene.js';

/** One earlier turn, as the narrator is shown it (player text is data, never instructions). */
export interface RecentTurn {
  player: string;
  text: string;
  /** The narration that answered it, if any. */
  narration?: string;
}

/** Everything a narrator is given for one turn. Same request, same offline narration. */
export interface NarrationRequest {
  session: string;
  turn: number;
  scene: Scene;
  player: string;
  /** The player's text, verbatim: it reaches a provider only as the user's message. */
  text: string;
  checks: CheckResult[];
  /** The last few turns, oldest first. */
  recent: RecentTurn[];
}

/** Tokens and cost of one provider call (the budgets of the next issue read these). */
export interface NarrationUsage {
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** From the configured price table; 0 for the offline narrator. */
  costUsd: number;
  /** The provider did not report its count (a failed or cut call): tokens estimated, 4 characters a token. */
  estimated?: boolean;
}

/**
 * What a narration streams while it runs:
 * - `chunk`: the next piece of narration text.
 * - `degraded`: the provider `from` failed (`reason`); `to` takes over. `restart` true: chunks sent
 *   before this belong to a narration that was cut midway and are void; the new one starts over.
 */
export type NarrationEvent =
  | { type: 'chunk'; text: string }
  | { type: 'degraded'; from: string; to: string; reason: NarrationFailureReason; restart: boolean };

export type NarrationFailureReason = 'error' | 'rate-limited' | 'timeout' | 'slow-first-token' | 'stream-cut' | 'refused';

export interface NarrationResult {
  /** The whole narration (the chunks of the narrator that finished, concatenated). */
  text: string;
  /** The narrator that produced it. */
  provider: string;
  /** Every call made for this narration, failed ones included. */
  usage: NarrationUsage[];
  /** Some provider failed on the way: what the players were told. */
  degraded?: { from: string; reason: NarrationFailureReason };
}

export interface NarrateOptions {
  /** Aborting stops the narration: the promise rejects with the signal's reason. */
  signal: AbortSignal;
  onEvent(event: NarrationEvent): void;
}

export interface Narrator {
  /** Stable name used in usage records and `degraded` events, e.g. "offline", "openai:gpt-4o-mini". */
  readonly name: string;
  narrate(request: NarrationRequest, options: NarrateOptions): Promise<NarrationResult>;
}

export { NarrationErrors } from '../actor-errors.js';
