// One `glass start` of the fault suite in a child process, as an operator runs it: its JSON log
// lines are kept (bounded) so that a case can wait for what an operator would read.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { glassCliPath } from '../../load/targets/glass-cli.js';

/** Log lines kept per node (the oldest fall off). */
const MAX_LINES = 20_000;
/** Variables of the caller a suite node must not inherit: each node gets its own. */
const NOT_PASSED = ['GLASS_PG_URL', 'DATABASE_URL', 'GLASS_PG_SCHEMA', 'COUCHDB_URL', 'REDIS_URL', 'GLASS_NODE_ID', 'GLASS_CLUSTER', 'PORT', 'HOST', 'GLASS_WORKERS', 'GLASS_DATA_DIR', 'GLASS_TOKEN_SECRET_FILE', 'GLASS_TOKEN_PUBLIC_KEY_FILE', 'GLASS_TOKEN_PRIVATE_KEY_FILE', 'GLASS_AUDIT_KEY', 'GLASS_AUDIT_KEY_FILE', 'GLASS_AUDIT_ANCHOR_FILE'];

/** Processes not yet gone: killed if the suite exits first. */
const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of alive) c.kill('SIGKILL');
});

export type LogEntry = Record<string, unknown> & { msg?: string };

export function suiteEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of NOT_PASSED) delete env[name];
  return { ...env, LOG_LEVEL: 'info', ...extra };
}

export class GlassProcess {
  readonly name: string;
  /** The process's working directory: `.data/` (keys, anchors, the embedded store) lands here. */
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly entries: LogEntry[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;
  readonly #waiters = new Set<() => void>();
  #tail = '';
  #gone = false;
  port = 0;

  private constructor(name: string, dir: string, env: NodeJS.ProcessEnv, args: readonly string[]) {
    this.name = name;
    this.dir = dir;
    this.env = env;
    this.#child = spawn(process.execPath, [glassCliPath(), 'start', ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    alive.add(this.#child);
    this.#child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.#tail = (this.#tail + chunk).slice(-4_000)));
    createInterface({ input: this.#child.stdout! }).on('line', (text) => {
      this.#tail = (this.#tail + text + '\n').slice(-4_000);
      try {
        this.entries.push(JSON.parse(text) as LogEntry);
        if (this.entries.length > MAX_LINES) this.entries.splice(0, this.entries.length - MAX_LINES);
      } catch {
        return;
      }
      for (const wake of [...this.#waiters]) wake();
    });
    this.exited = new Promise((resolve) =>
      this.#child.once('exit', (code, signal) => {
        this.#gone = true;
        alive.delete(this.#child);
        for (const wake of [...this.#waiters]) wake();
        resolve({ code, signal });
      }),
    );
  }

  /** Starts `glass start --port 0` in a fresh directory (or `dir`) and waits until it listens. */
  static async start(name: string, extraEnv: Record<string, string>, options: { workers?: number; args?: string[]; dir?: string } = {}): Promise<GlassProcess> {
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), `glass-faults-${name}-`)));
    const env = suiteEnv(extraEnv);
    const args = ['--port', '0', '--host', '127.0.0.1', '--workers', String(options.workers ?? 2), '--node-id', name, ...(options.args ?? [])];
    const node = new GlassProcess(name, dir, env, args);
    const listening = await node.waitForLog((e) => e.msg === 'listening' && typeof e.port === 'number', 60_000);
    node.port = listening.port as number;
    return node;
  }

  get running(): boolean {
    return !this.#gone;
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  get http(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get ws(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** Entries matching `match` logged so far. */
  count(match: (e: LogEntry) => boolean): number {
    return this.entries.filter(match).length;
  }

  /** The first entry (from index `from`) that matches, waiting for it up to `timeoutMs`. */
  waitForLog(match: (e: LogEntry) => boolean, timeoutMs = 20_000, from = 0): Promise<LogEntry> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.entries.slice(from).find(match);
        if (found !== undefined) {
          done();
          resolve(found);
          return true;
        }
        if (this.#gone) {
          done();
          reject(new Error(`${this.name} exited before the awaited log line${this.#tailText()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: awaited log line not seen within ${timeoutMs} ms${this.#tailText()}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
      };
      const wake = (): void => void check();
      if (!check()) this.#waiters.add(wake);
    });
  }

  async kill(): Promise<void> {
    if (!this.#gone) this.#child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (drain), SIGKILL after `timeoutMs`; removes its directory unless `keepDir`. */
  async stop(timeoutMs = 8_000, keepDir = false): Promise<void> {
    if (!this.#gone) {
      this.#child.kill('SIGTERM');
      const killer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
      await this.exited;
      clearTimeout(killer);
    }
    if (!keepDir) await rm(this.dir, { recursive: true, force: true });
  }

  #tailText(): string {
    const t = this.#tail.trim();
    return t === '' ? '' : `\n--- ${this.name} (tail) ---\n${t.slice(-1_500)}`;
  }
}
