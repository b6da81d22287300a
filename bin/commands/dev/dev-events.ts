// The supervisor's record of what happened to each service (D/logs/events.jsonl, one JSON object a
// line, appended and never rewritten): started, exited, restarting, restarted, restart-failed, failed,
// stopping, stopped. Each line is also said in words on the supervisor's output. The end-to-end tests
// read the stop order and the restarts from this file.
import { appendFileSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const EVENTS_FILE = 'events.jsonl';

export const DEV_EVENTS = ['started', 'exited', 'restarting', 'restarted', 'restart-failed', 'failed', 'stopping', 'stopped'] as const;
export type DevEventName = (typeof DEV_EVENTS)[number];

export interface DevEventInput {
  readonly event: DevEventName;
  readonly service: string;
  readonly pid?: number;
  readonly restarts?: number;
  readonly delayMs?: number;
  readonly code?: number | null;
  readonly signal?: string | null;
  readonly forced?: boolean;
  readonly was?: string;
  readonly reason?: string;
}

export interface DevEvent extends DevEventInput {
  readonly at: string;
  /** The supervisor that recorded it (one file may hold several ups of the same directory). */
  readonly supervisor: number;
}

export function eventsPath(dir: string): string {
  return join(dir, 'logs', EVENTS_FILE);
}

/** Past this size at an up, the file is moved to events.1.jsonl (replacing the one before): two ups' worth at most kept. */
const ROTATE_AT_BYTES = 1 << 20;

/** Returns the recorder of `dir`'s events: appended synchronously (a stop's record is on disk before the supervisor exits). */
export function eventRecorder(dir: string, out: (text: string) => void): (event: DevEventInput) => void {
  const file = eventsPath(dir);
  try {
    if (statSync(file).size > ROTATE_AT_BYTES) renameSync(file, join(dir, 'logs', 'events.1.jsonl'));
  } catch {
    // No file yet.
  }
  return (e) => {
    const line: DevEvent = { at: new Date().toISOString(), supervisor: process.pid, ...e };
    appendFileSync(file, JSON.stringify(line) + '\n', { mode: 0o600 });
    out(describeEvent(line) + '\n');
  };
}

/** Every event of `dir` (of `supervisor` only, when given); lines that are not events are skipped. */
export function readEvents(dir: string, supervisor?: number): DevEvent[] {
  let text: string;
  try {
    text = readFileSync(eventsPath(dir), 'utf8');
  } catch {
    return [];
  }
  const events: DevEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as DevEvent;
      if ((DEV_EVENTS as readonly string[]).includes(e.event) && typeof e.service === 'string' && (supervisor === undefined || e.supervisor === supervisor)) events.push(e);
    } catch {
      continue;
    }
  }
  return events;
}

function describeEvent(e: DevEvent): string {
  const pid = e.pid === undefined || e.pid === 0 ? '' : ` (pid ${e.pid})`;
  switch (e.event) {
    case 'started':
      return `${e.service}${pid}: started`;
    case 'exited':
      return `${e.service}${pid} exited (code ${e.code}, signal ${e.signal})`;
    case 'restarting':
      return `${e.service}: restart ${e.restarts} in ${e.delayMs} ms`;
    case 'restarted':
      return `${e.service}${pid}: restarted and ready (restart ${e.restarts})`;
    case 'restart-failed':
      return `${e.service}${pid}: restart ${e.restarts} failed: ${e.reason}`;
    case 'failed':
      return `${e.service}: given up (${e.reason}); it stays down`;
    case 'stopping':
      return `stopping ${e.service}${pid}`;
    case 'stopped':
      return `stopped ${e.service}${pid}${e.forced === true ? ' (SIGKILL after its grace period)' : ''}`;
  }
}
