// The optional scenario fields of traffic other than chat (docs/LOAD.md): session turns, room hops
// and moderators' overrides. A shape spread into the scenario's zod object, and the checks that tie
// the fields to each other and to the rest of the scenario.
import { z } from 'zod';

export const TrafficFields = {
  /** Sessions; player i also takes turns in session i mod sessions. */
  sessions: z.int().min(1).max(100_000).optional(),
  /** Turns each player takes per minute in its session. */
  turnsPerMinutePerPlayer: z.number().positive().max(1_200).optional(),
  /** Each player leaves its room and joins the next room of its load process this often (ms). */
  hopEvery: z.int().min(100).optional(),
  /** Moderator clients (tokens with the moderator role), spread over the load processes. */
  moderators: z.int().min(1).max(100).optional(),
  /** Overrides per minute, all moderators together, to random rooms and sessions. */
  overridesPerMinute: z.number().positive().max(6_000).optional(),
  /** How long a mute or a pause lasts before the moderator lifts it (ms). */
  overrideHoldMs: z.int().min(50).max(60_000).optional(),
};

/** The fields as parsed, whatever else the scenario holds. */
export interface TrafficScenario {
  players: number;
  rooms: number;
  loadProcesses: number;
  durationMs: number;
  sessions?: number;
  turnsPerMinutePerPlayer?: number;
  hopEvery?: number;
  moderators?: number;
  overridesPerMinute?: number;
  overrideHoldMs?: number;
}

/** A mute or pause is lifted after this long unless `overrideHoldMs` says otherwise. */
export const DEFAULT_OVERRIDE_HOLD_MS = 1_000;

/** Cross-field rules, each reported on the field to change. */
export function checkTraffic(s: TrafficScenario, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string): void => ctx.addIssue({ code: 'custom', path: [path], message });
  if ((s.sessions === undefined) !== (s.turnsPerMinutePerPlayer === undefined)) {
    issue(s.sessions === undefined ? 'sessions' : 'turnsPerMinutePerPlayer', 'sessions and turnsPerMinutePerPlayer go together');
  }
  if (s.sessions !== undefined && s.sessions > s.players) issue('sessions', 'sessions must not exceed players');
  // A hop stays among the rooms of the player's load process (one clock for a line's sender and
  // receivers), so each process needs a second room to go to.
  if (s.hopEvery !== undefined && s.rooms < 2 * s.loadProcesses) issue('hopEvery', 'room hops need rooms ≥ 2 × loadProcesses (a player hops among the rooms of its load process)');
  if ((s.moderators === undefined) !== (s.overridesPerMinute === undefined)) {
    issue(s.moderators === undefined ? 'moderators' : 'overridesPerMinute', 'moderators and overridesPerMinute go together');
  }
  if (s.overrideHoldMs !== undefined) {
    if (s.moderators === undefined) issue('overrideHoldMs', 'overrideHoldMs needs moderators');
    else if (s.overrideHoldMs >= s.durationMs) issue('overrideHoldMs', 'overrideHoldMs must be less than durationMs');
  }
}

/** What the load processes need of these fields to run. */
export interface TrafficArgs {
  turnsPerMinutePerPlayer?: number;
  hopEvery?: number;
  /** Per moderator: the overrides of all moderators divided among them. */
  overrideEveryMs?: number;
  /** Moderators in the whole run. */
  moderators: number;
  overrideHoldMs: number;
}

export function trafficArgs(s: TrafficScenario): TrafficArgs {
  return {
    ...(s.turnsPerMinutePerPlayer === undefined ? {} : { turnsPerMinutePerPlayer: s.turnsPerMinutePerPlayer }),
    ...(s.hopEvery === undefined ? {} : { hopEvery: s.hopEvery }),
    ...(s.moderators === undefined || s.overridesPerMinute === undefined ? {} : { overrideEveryMs: (60_000 * s.moderators) / s.overridesPerMinute }),
    moderators: s.moderators ?? 0,
    overrideHoldMs: s.overrideHoldMs ?? DEFAULT_OVERRIDE_HOLD_MS,
  };
}
