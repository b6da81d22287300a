// How the supervisor starts a program of the topology: in a session (and process group) of its own,
// so that a terminal's Ctrl-C (SIGINT to the foreground process group) reaches the supervisor alone,
// which then stops the services in order; and tied to the supervisor's life, so that a supervisor
// that dies without stopping them (SIGKILL, a crash) takes them along. The tie is Linux's parent-death
// signal, set by util-linux's setpriv before it execs the program (the pid is the program's own):
// the kernel sends SIGKILL to the program the moment the supervisor's process is gone, whatever
// killed it — once setpriv has set it, just before its exec: a supervisor killed in the instant
// between the spawn and that exec leaves the program untied. (The embedded CouchDB-protocol server is forked by cluster/ the same way, detached,
// and tied by its IPC channel instead.)
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

/** The signal a tethered program gets when the supervisor is gone: nothing is left to stop it in order. */
export const PARENT_DEATH_SIGNAL = 'SIGKILL';

export interface TetherOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly stdio: StdioOptions;
  /** setpriv's path (requireBinary('setpriv')). */
  readonly setpriv: string;
}

/** Spawns `command args` detached (setsid) under `setpriv --pdeathsig SIGKILL`. */
export function spawnTethered(command: string, args: readonly string[], o: TetherOptions): ChildProcess {
  return spawn(o.setpriv, ['--pdeathsig', PARENT_DEATH_SIGNAL, '--', command, ...args], { cwd: o.cwd, env: o.env, stdio: o.stdio, detached: true });
}

/** Signals the process group `pgid` (a tethered program and whatever it started); false if none is left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isSafeInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}
