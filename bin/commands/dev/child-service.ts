// A program of the topology (redis-server, a glass node, Caddy, Prometheus): spawned tethered (a
// process group of its own, killed if the supervisor dies: tether.ts) with its output appended to a
// log file of its own; stopped with SIGTERM to its group, SIGKILL past a grace period.
import { type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { signalGroup, spawnTethered } from './tether.js';

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One process (or in-process store) of a service; a restart makes a new one. */
export interface Incarnation {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly log?: string;
  readonly exited: Promise<ChildExit>;
  /** Stops it: a grace period, then SIGKILL; resolves once it has exited, with whether it was killed. */
  stop(graceMs: number): Promise<{ exit: ChildExit; forced: boolean }>;
  /** The end of its log, to explain a failure. */
  tail?(): string;
}

export interface ChildStart {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly log: string;
  readonly setpriv: string;
}

export class ChildService {
  readonly name: string;
  readonly log: string;
  readonly exited: Promise<ChildExit>;
  readonly #child: ChildProcess;
  #gone = false;
  /** Whether stop() had to SIGKILL it. */
  forced = false;

  constructor(name: string, command: string, args: readonly string[], options: ChildStart) {
    this.name = name;
    this.log = options.log;
    const fd = openSync(options.log, 'a', 0o600);
    try {
      this.#child = spawnTethered(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', fd, fd], setpriv: options.setpriv });
    } finally {
      closeSync(fd);
    }
    this.exited = new Promise((resolve) => {
      this.#child.once('error', () => {
        this.#gone = true;
        resolve({ code: null, signal: null });
      });
      this.#child.once('exit', (code, signal) => {
        this.#gone = true;
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  get running(): boolean {
    return !this.#gone;
  }

  /** The end of its log, to explain a failure. */
  tail(chars = 1_500): string {
    try {
      return readFileSync(this.log, 'utf8').slice(-chars).trim();
    } catch {
      return '';
    }
  }

  /** SIGTERM to its process group, SIGKILL after `graceMs`; resolves with its exit. */
  async stop(graceMs = 5_000): Promise<ChildExit> {
    if (!this.#gone) {
      signalGroup(this.pid, 'SIGTERM');
      const killer = setTimeout(() => {
        this.forced = true;
        signalGroup(this.pid, 'SIGKILL');
      }, graceMs);
      await this.exited;
      clearTimeout(killer);
    }
    // Anything it started and left behind in its group goes with it.
    signalGroup(this.pid, 'SIGKILL');
    return this.exited;
  }
}

/** What the supervisor keeps of one start of `child`. */
export function childIncarnation(child: ChildService, port: number, url: string): Incarnation {
  return {
    pid: child.pid,
    port,
    url,
    log: child.log,
    exited: child.exited,
    stop: async (graceMs: number) => ({ exit: await child.stop(graceMs), forced: child.forced }),
    tail: () => child.tail(),
  };
}
