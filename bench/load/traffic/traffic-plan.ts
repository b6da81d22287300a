// Who does what besides chat in a run: the session of each player, the moderators (tokens with the
// moderator role, spread over the load processes) and what they may target. Names follow the
// players' and rooms' (`bench-<run>-p<i>`, `-r<r>`): sessions are `bench-<run>-s<s>`, moderators
// `bench-<run>-m<m>`.
import type { KeyObject } from 'node:crypto';
import { signAccessToken } from '../../../clients/index.js';
import type { ModerationTargets, ModeratorSpec } from './moderator.js';
import type { LoadScenario } from '../scenario-file.js';

/** Player i's session, if the scenario has sessions. */
export function sessionOf(s: LoadScenario, runId: string, i: number): { session?: string } {
  return s.sessions === undefined ? {} : { session: `bench-${runId}-s${i % s.sessions}` };
}

/** Moderator m runs in load process m mod loadProcesses. */
export async function moderatorPlan(s: LoadScenario, key: KeyObject, runId: string, ttlMs: number): Promise<ModeratorSpec[][]> {
  const plan: ModeratorSpec[][] = Array.from({ length: s.loadProcesses }, () => []);
  for (let m = 0; m < (s.moderators ?? 0); m++) {
    const player = `bench-${runId}-m${m}`;
    const token = await signAccessToken(key, { player, character: `${player}-c`, roles: ['moderator'], ttlMs });
    plan[m % s.loadProcesses].push({ player, token, index: m });
  }
  return plan;
}

/** Every room, session and player of the run (empty without moderators: nothing to target). */
export function moderationTargets(s: LoadScenario, runId: string): ModerationTargets {
  if (s.moderators === undefined) return { rooms: [], sessions: [], players: [] };
  const ids = (n: number, letter: string): string[] => Array.from({ length: n }, (_, i) => `bench-${runId}-${letter}${i}`);
  return { rooms: ids(s.rooms, 'r'), sessions: ids(s.sessions ?? 0, 's'), players: ids(s.players, 'p') };
}
