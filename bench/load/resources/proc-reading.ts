// One reading of a local process from /proc: CPU time used so far and resident memory (Linux).
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface ProcReading {
  /** user + system CPU time since the process started (s). */
  cpuSec: number;
  rssBytes: number;
}

/** Clock ticks per second of /proc's times (getconf CLK_TCK; 100 on every usual Linux). */
const CLK_TCK = ((): number => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/**
 * utime and stime (fields 14 and 15 of /proc/<pid>/stat) in seconds, and the state; null when the
 * line cannot be read. The command name (field 2) may hold spaces and parentheses: fields are
 * counted after its last ')'.
 */
export function parseStat(text: string, ticksPerSec = CLK_TCK): { cpuSec: number; state: string } | null {
  const end = text.lastIndexOf(')');
  if (end < 0) return null;
  const fields = text.slice(end + 2).split(' ');
  // fields[0] is field 3 (state): utime (14) is fields[11], stime (15) fields[12].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return { cpuSec: (utime + stime) / ticksPerSec, state: fields[0] };
}

/** VmRSS of /proc/<pid>/status in bytes; null when absent (a zombie has none). */
export function parseVmRss(text: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  return match === null ? null : Number(match[1]) * 1024;
}

/** Reads a live process; null when it is gone (or dead and not yet reaped: a zombie). */
export async function readProc(pid: number): Promise<ProcReading | null> {
  try {
    const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
    const s = parseStat(stat);
    const rss = parseVmRss(status);
    if (s === null || s.state === 'Z' || s.state === 'X' || rss === null) return null;
    return { cpuSec: s.cpuSec, rssBytes: rss };
  } catch {
    return null;
  }
}
