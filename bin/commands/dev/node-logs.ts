// Each node's log in D/logs/<node>.log. A node of the topology is a GlassProcess (bench's), which
// keeps its JSON log lines in memory (bounded, the oldest dropped): what arrived since the last
// write is appended every half second, and once more when the node exits.
import { appendFileSync } from 'node:fs';
import type { GlassProcess } from '../../../bench/faults/support/glass-process.js';

const FLUSH_EVERY_MS = 500;

/** Follows `node`'s log into `file` until it exits; returns the function that stops early (after a last write). */
export function followNodeLog(node: GlassProcess, file: string): () => void {
  let last: unknown = null;
  const flush = (): void => {
    const entries = node.entries;
    // The array drops its head when full: find where the last written entry is now.
    const from = last === null ? 0 : entries.lastIndexOf(last as (typeof entries)[number]) + 1;
    if (from >= entries.length) return;
    appendFileSync(file, entries.slice(from).map((e) => JSON.stringify(e)).join('\n') + '\n', { mode: 0o600 });
    last = entries[entries.length - 1];
  };
  const timer = setInterval(flush, FLUSH_EVERY_MS);
  timer.unref();
  const stop = (): void => {
    clearInterval(timer);
    flush();
  };
  void node.exited.then(stop);
  return stop;
}
