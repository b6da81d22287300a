// A program of the topology that is not a glass node (Caddy, Prometheus): spawned with its output
// appended to a log file of its own, watched for an early exit, stopped with SIGTERM (SIGKILL past a
// bound). Its exit while the topology runs is reported, not hidden.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class ChildService {
  readonly name: string;
  readonly log: string;
  readonly exited: Promise<ChildExit>;
  readonly #child: ChildProcess;
  #gone = false;

  constructor(name: string, command: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd: string; log: string }) {
    this.name = name;
    this.log = options.log;
    const fd = openSync(options.log, 'a', 0o600);
    try {
      this.#child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', fd, fd] });
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

  /** SIGTERM, SIGKILL after `timeoutMs`; resolves once it has exited. */
  async stop(timeoutMs = 5_000): Promise<void> {
    if (this.#gone) return;
    this.#child.kill('SIGTERM');
    const killer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(killer);
  }

  /** SIGKILL without waiting: for a process 'exit' hook. */
  killNow(): void {
    if (!this.#gone) this.#child.kill('SIGKILL');
  }
}
