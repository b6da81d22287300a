// What one side of the turn scenario measured.
import type { Latencies } from './latency.js';

export interface SideResult {
  /** Turns committed in the measured run. */
  committed: number;
  /** Turns that ended otherwise (turn-failed, a refusal, an error), by code. */
  failed: Record<string, number>;
  /** Wall time of the measured run: from the first turn sent to the last turn settled. */
  wallMs: number;
  /** Send → commit, per committed turn. */
  latency: Latencies;
  /** The runtime side only: the `ms` of turn-committed (the session's acceptance → commit). */
  serverMs?: Latencies;
}

export function countFailure(failed: Record<string, number>, code: string): void {
  failed[code] = (failed[code] ?? 0) + 1;
}
