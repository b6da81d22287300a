// The topology's state file (D/topology.json): written by the supervisor once every service is ready,
// removed when it stops; `glass dev status|down` and the end-to-end tests read it. Written whole under
// a temporary name and renamed into place, so a reader never sees half of it.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DevError, DevErrors } from './dev-errors.js';

export const STATE_FILE = 'topology.json';

export const SERVICE_KINDS = ['redis', 'couch', 'postgres', 'node', 'caddy', 'prometheus'] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];

/** One running service. URLs carry no credentials. */
export interface DevService {
  readonly name: string;
  readonly kind: ServiceKind;
  /** Its process (the supervisor's own for the embedded PostgreSQL, which is a thread of it). */
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  /** Where its output goes, when it has a file of its own. */
  readonly log?: string;
  /** Restart attempts by the supervisor so far (absent: a service given from outside). */
  readonly restarts?: number;
  /** What the supervisor knows: up, being restarted, or given up on (past its restart limit). */
  readonly state?: 'up' | 'restarting' | 'failed';
}

export interface DevTopology {
  readonly version: 1;
  readonly dir: string;
  /** The `glass dev up` process that owns every service: `down` signals it. */
  readonly supervisor: number;
  readonly startedAt: string;
  readonly readyAt: string;
  /** The nodes' cluster name (their Redis key prefix). */
  readonly cluster: string;
  /** The edge (Caddy), the way players come in. */
  readonly edge: { readonly port: number; readonly app: string; readonly ws: string };
  readonly services: readonly DevService[];
  /** What a shell needs to act on this topology: the token key to sign with, a node for glass mod/ops. */
  readonly env: Readonly<Record<string, string>>;
}

export function statePath(dir: string): string {
  return join(dir, STATE_FILE);
}

export function writeState(dir: string, state: DevTopology): void {
  const path = statePath(dir);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  renameSync(temp, path);
}

export function removeState(dir: string): void {
  rmSync(statePath(dir), { force: true });
}

/** The topology of `dir`; null when there is no state file. A file that is not one is a DevError. */
export function readState(dir: string): DevTopology | null {
  let text: string;
  try {
    text = readFileSync(statePath(dir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DevError(DevErrors.BAD_STATE, `cannot read ${statePath(dir)}: ${(err as Error).message}`, { cause: err });
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (err) {
    throw new DevError(DevErrors.BAD_STATE, `${statePath(dir)} is not JSON`, { cause: err });
  }
  if (!isTopology(state)) throw new DevError(DevErrors.BAD_STATE, `${statePath(dir)} is not a topology of this version of glass dev`);
  return state;
}

function isTopology(s: unknown): s is DevTopology {
  if (s === null || typeof s !== 'object') return false;
  const t = s as Partial<DevTopology>;
  return (
    t.version === 1 &&
    Number.isSafeInteger(t.supervisor) &&
    typeof t.edge === 'object' &&
    t.edge !== null &&
    Array.isArray(t.services) &&
    t.services.every((v) => typeof v?.name === 'string' && (SERVICE_KINDS as readonly string[]).includes(v.kind) && Number.isSafeInteger(v.pid) && Number.isSafeInteger(v.port) && typeof v.url === 'string')
  );
}

/** Whether a process of this id runs (signal 0: nothing is sent). A zombie (exited, not yet reaped) does not. */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // /proc/PID/stat: "pid (comm) S ...": the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
