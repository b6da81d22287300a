// One `glass start` process of a local cluster (`glass bench run --local --nodes N`), followed
// through its JSON log lines: the port it listens on, the members it sees.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { GlassError } from '../../../runtime/index.js';
import { LoadErrors } from '../load-errors.js';
import { glassCliPath } from './glass-cli.js';

/** Most output kept, to explain a node that failed. */
const TAIL_CHARS = 4_096;

interface LogLine {
  msg?: string;
  port?: number;
  members?: string[];
}

interface Waiter {
  done: () => boolean;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class GlassNodeProcess {
  readonly id: string;
  readonly #child: ChildProcess;
  readonly exited: Promise<void>;
  readonly #waiters = new Set<Waiter>();
  #port: number | null = null;
  #members: string[] = [];
  #changed = false;
  #tail = '';
  #gone = false;

  constructor(id: string, args: readonly string[], env: NodeJS.ProcessEnv) {
    this.id = id;
    this.#child = spawn(process.execPath, [glassCliPath(), 'start', '--node-id', id, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child.stderr!.setEncoding('utf8').on('data', (chunk: string) => this.#keep(chunk));
    createInterface({ input: this.#child.stdout! }).on('line', (text) => this.#line(text));
    this.exited = new Promise((resolve) =>
      this.#child.once('exit', (code, signal) => {
        this.#gone = true;
        const err = new GlassError(LoadErrors.LOCAL_CLUSTER_FAILED, `node ${id} exited (code ${code}, signal ${signal})${this.#tailText()}`);
        for (const w of this.#waiters) w.reject(err);
        this.#waiters.clear();
        resolve();
      }),
    );
  }

  get pid(): number | null {
    return this.#gone ? null : (this.#child.pid ?? null);
  }

  get running(): boolean {
    return !this.#gone;
  }

  get port(): number | null {
    return this.#port;
  }

  /** Resolves with the gateway's port once the node listens. */
  async listening(timeoutMs: number): Promise<number> {
    await this.#until(() => this.#port !== null, 'listening', timeoutMs);
    return this.#port!;
  }

  /** Resolves once the node's latest applied view holds every one of `ids`. */
  seesMembers(ids: readonly string[], timeoutMs: number): Promise<void> {
    return this.#until(() => ids.every((id) => this.#members.includes(id)), `members ${ids.join(', ')}`, timeoutMs);
  }

  /** SIGKILL: no drain, no goodbye. Resolves once the process is gone. */
  async kill(): Promise<void> {
    if (!this.#gone) this.#child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (the node drains), SIGKILL past `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
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

  #until(done: () => boolean, what: string, timeoutMs: number): Promise<void> {
    if (done()) return Promise.resolve();
    if (this.#gone) return Promise.reject(new GlassError(LoadErrors.LOCAL_CLUSTER_FAILED, `node ${this.id} is not running${this.#tailText()}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new GlassError(LoadErrors.LOCAL_CLUSTER_FAILED, `node ${this.id}: no "${what}" within ${timeoutMs} ms${this.#tailText()}`));
      }, timeoutMs);
      const waiter: Waiter = { done, resolve: () => (clearTimeout(timer), resolve()), reject: (err) => (clearTimeout(timer), reject(err)) };
      this.#waiters.add(waiter);
    });
  }

  #line(text: string): void {
    this.#keep(text + '\n');
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return;
    }
    if (line.msg === 'listening' && typeof line.port === 'number') this.#port = line.port;
    // "node started" carries the view the node started with, logged once started: a change applied
    // meanwhile ("cluster changed", logged as applied) is newer.
    if (line.msg === 'cluster changed' && Array.isArray(line.members)) {
      this.#members = line.members;
      this.#changed = true;
    }
    if (line.msg === 'node started' && Array.isArray(line.members) && !this.#changed) this.#members = line.members;
    for (const w of [...this.#waiters]) {
      if (w.done()) {
        this.#waiters.delete(w);
        w.resolve();
      }
    }
  }

  #keep(chunk: string): void {
    this.#tail = (this.#tail + chunk).slice(-TAIL_CHARS);
  }

  #tailText(): string {
    const t = this.#tail.trim();
    return t === '' ? '' : `\n--- ${this.id} output (tail) ---\n${t.slice(-2_000)}`;
  }
}
