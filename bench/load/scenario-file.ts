// The scenario file of `glass bench run`: a JSON object, validated with zod (docs/LOAD.md).
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { TrafficFields, checkTraffic } from './traffic/traffic-fields.js';
import { FaultList } from './faults/fault-plan.js';

export const LoadScenario = z
  .strictObject({
    /** Names the result files: <out>/<name>-<time>.json and .html. */
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, '1 to 64 letters, digits, ".", "_" or "-"'),
    /** Simulated players, each its own WebSocket connection and character. */
    players: z.int().min(1).max(100_000),
    /** Rooms; player i is in room i mod rooms. */
    rooms: z.int().min(1).max(100_000),
    /** Lines each player says per second once it has joined. */
    linesPerSecondPerPlayer: z.number().positive().max(1_000),
    /** Players connect and join spread evenly over this time from the start. */
    rampUpMs: z.int().min(0),
    /** The whole run from the start (ramp-up included); sending stops at its end. */
    durationMs: z.int().min(500).max(24 * 3_600_000),
    /** Forked processes simulating the players; each holds whole rooms. */
    loadProcesses: z.int().min(1).max(64),
    /** Churn: each player drops its socket this often (ms) and reconnects with a resume. */
    reconnectEvery: z.int().min(100).optional(),
    /** Characters of each line's text. */
    textChars: z.int().min(24).max(1_900).default(64),
    /** Width of a time bucket of the timeline (histogram and counts per bucket). */
    bucketMs: z.int().min(100).max(60_000).default(1_000),
    /** Wait after sending stops for the last lines (counted, still in their bucket). */
    drainMs: z.int().min(0).max(60_000).default(1_000),
    // Session turns, room hops and moderators (bench/load/traffic/traffic-fields.ts).
    ...TrafficFields,
    /** Faults injected during the run (fault-plan.ts): kill a worker, SIGKILL a node, restart Redis. */
    faults: FaultList.optional(),
  })
  .refine((s) => s.rooms <= s.players, { message: 'rooms must not exceed players', path: ['rooms'] })
  .refine((s) => s.loadProcesses <= s.rooms, { message: 'loadProcesses must not exceed rooms (each process holds whole rooms)', path: ['loadProcesses'] })
  .refine((s) => s.rampUpMs < s.durationMs, { message: 'rampUpMs must be less than durationMs', path: ['rampUpMs'] })
  .superRefine(checkTraffic)
  .refine((s) => (s.faults ?? []).every((f) => f.atMs < s.durationMs), { message: 'every fault must come before durationMs', path: ['faults'] });

export type LoadScenario = z.infer<typeof LoadScenario>;

/** Reads and validates a scenario file; the message names the file and the first bad field. */
export async function readScenarioFile(path: string): Promise<LoadScenario> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`scenario ${path}: ${(err as Error).message}`);
  }
  const parsed = LoadScenario.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`scenario ${path}: ${first.path.length === 0 ? '' : first.path.map(String).join('.') + ': '}${first.message}`);
  }
  return parsed.data;
}
