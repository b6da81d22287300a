// The rooms scenario's child processes (server under test, bare uWS baseline, load generators) and
// the bench process talk over the IPC channel: a request carries an id, the answer echoes it.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Request {
  id: number;
  cmd: string;
  args: unknown;
}
export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** Most stdout/stderr kept from a child, to explain a failure. */
const OUTPUT_TAIL = 8_192;

/** Wall-clock milliseconds with sub-millisecond resolution (same machine: comparable between processes to a few ms). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export interface CpuSample {
  /** CPU time of this whole process (every thread), µs. */
  cpuUs: number;
  /** Epoch ms when it was read. */
  at: number;
  /** Per thread id, CPU time in ms from /proc/self/task (10 ms ticks); the main thread's id is the pid. Empty without /proc. */
  threads: Record<number, number>;
}

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

function threadTimes(): Record<number, number> {
  const out: Record<number, number> = {};
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces, in parentheses): utime and stime are the 12th and 13th.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[Number(tid)] = ((Number(f[11]) + Number(f[12])) * 1000) / USER_HZ;
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

export function cpuSample(): CpuSample {
  const u = process.cpuUsage();
  return { cpuUs: u.user + u.system, at: epochNow(), threads: threadTimes() };
}

/**
 * Child side: answers the parent's requests with `commands`, always answers `cpu`, and exits when
 * the parent goes away (so a crashed bench leaves no server or load generator behind).
 */
export function serve(commands: Record<string, (args: any) => unknown>): void {
  const all: Record<string, (args: any) => unknown> = { cpu: cpuSample, ...commands };
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: Request) => {
    const command = all[m.cmd];
    const reply = (r: Reply): void => void process.send?.(r);
    if (command === undefined) return reply({ id: m.id, ok: false, error: `unknown command ${m.cmd}` });
    Promise.resolve()
      .then(() => command(m.args))
      .then(
        (value) => reply({ id: m.id, ok: true, value: value ?? null }),
        (err: unknown) => reply({ id: m.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
  });
}

/** Parent side: one forked child (`entry` relative to this directory), requests answered in any order. */
export class Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly exited: Promise<void>;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  #next = 1;
  #output = '';
  #gone = false;

  /** `measured`: BENCH_NODE_ARGV adds Node flags to this child (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"). */
  constructor(name: string, entry: string, options: { env?: NodeJS.ProcessEnv; measured?: boolean } = {}) {
    this.name = name;
    const extra = options.measured === true ? (process.env.BENCH_NODE_ARGV ?? '').split(' ').filter((a) => a !== '') : [];
    const execArgv = [...process.execArgv, ...extra];
    const env = options.env ?? {};
    const path = fileURLToPath(new URL(entry, import.meta.url));
    this.process = fork(path, [name], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced', execArgv, env: { ...process.env, ...env } });
    const keep = (chunk: string): void => void (this.#output = (this.#output + chunk).slice(-OUTPUT_TAIL));
    this.process.stdout?.setEncoding('utf8').on('data', keep);
    this.process.stderr?.setEncoding('utf8').on('data', keep);
    this.process.on('message', (m: Reply) => {
      const p = this.#pending.get(m.id);
      if (p === undefined) return;
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`${this.name}: ${m.error}`));
    });
    this.exited = new Promise((resolve) =>
      this.process.once('exit', (code, signal) => {
        this.#gone = true;
        for (const [id, p] of this.#pending) {
          clearTimeout(p.timer);
          p.reject(new Error(`${this.name} exited (code ${code}, signal ${signal}) during a request${this.#tail()}`));
          this.#pending.delete(id);
        }
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  request<T>(cmd: string, args: unknown = {}, timeoutMs = 60_000): Promise<T> {
    if (this.#gone) return Promise.reject(new Error(`${this.name} is not running${this.#tail()}`));
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name}: "${cmd}" not answered within ${timeoutMs} ms${this.#tail()}`));
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.process.send({ id, cmd, args } satisfies Request);
    });
  }

  cpu(): Promise<CpuSample> {
    return this.request('cpu', {}, 10_000);
  }

  /** Asks the child to close, then ends it; SIGKILL if that takes longer than `timeoutMs`. */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.#gone) return;
    const killer = setTimeout(() => this.process.kill('SIGKILL'), timeoutMs);
    try {
      await this.request('close', {}, timeoutMs).catch(() => undefined);
      if (!this.#gone) this.process.disconnect();
      await this.exited;
    } finally {
      clearTimeout(killer);
    }
  }

  #tail(): string {
    const t = this.#output.trim();
    return t === '' ? '' : `\n--- ${this.name} output (tail) ---\n${t.slice(-2_000)}`;
  }
}
