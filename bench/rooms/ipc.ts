// The rooms scenario's child processes (server under test, bare uWS baseline, load generators):
// the IPC of bench/support/child-process.ts, plus CPU sampling of each process and its threads.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BenchChild, serve as serveCommands } from '../support/child-process.js';

/** Wall-clock milliseconds with sub-millisecond resolution (same machine: comparable between processes to a few ms). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export interface CpuSample {
  /** CPU time of this whole process (every thread), µs. */
  cpuUs: number;
  /** Epoch ms when it was read. */
  at: number;
  /** Per thread id, CPU time in ms from /proc/self/task (10 ms ticks); the main thread's id is the pid. Empty without /proc. */
  threads: Record<number, number>;
}

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

function threadTimes(): Record<number, number> {
  const out: Record<number, number> = {};
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces, in parentheses): utime and stime are the 12th and 13th.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[Number(tid)] = ((Number(f[11]) + Number(f[12])) * 1000) / USER_HZ;
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

export function cpuSample(): CpuSample {
  const u = process.cpuUsage();
  return { cpuUs: u.user + u.system, at: epochNow(), threads: threadTimes() };
}

/** Child side: `commands`, and `cpu` always (see BenchChild and serve). */
export function serve(commands: Record<string, (args: any) => unknown>): void {
  serveCommands({ cpu: cpuSample, ...commands });
}

/** Parent side: a rooms process (`entry` relative to this directory) that also reports its CPU. */
export class Child extends BenchChild {
  constructor(name: string, entry: string, options: { env?: NodeJS.ProcessEnv; measured?: boolean } = {}) {
    super(name, fileURLToPath(new URL(entry, import.meta.url)), options);
  }

  cpu(): Promise<CpuSample> {
    return this.request('cpu', {}, 10_000);
  }
}
