// Each node's log in D/logs/<node>.log: its stdout and stderr (JSON lines) appended by the node
// itself, so nothing of it passes through the supervisor and a restart goes on in the same file.
// Waiting on a line of it: the file read again from where the wait began until one matches.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { Until } from './store-services.js';

/** The file's size now (0 if it is not there): where a wait for what comes next begins. */
export function logOffset(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The JSON lines of `file` from byte `from` (a partial last line is left for the next read). */
export function jsonLinesFrom(file: string, from: number): Record<string, unknown>[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= from) return [];
    const buf = Buffer.alloc(size - from);
    readSync(fd, buf, 0, buf.length, from);
    const text = buf.toString('utf8');
    const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
    const entries: Record<string, unknown>[] = [];
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        entries.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        continue;
      }
    }
    return entries;
  } finally {
    closeSync(fd);
  }
}

/** Resolves with the first entry from byte `from` on that matches; throws past `timeoutMs`. */
export function waitForLogLine(until: Until, file: string, from: number, what: string, match: (e: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>> {
  return until(what, () => jsonLinesFrom(file, from).find(match), timeoutMs, 200);
}
