// A bench process and the child processes it forks (node processes, servers, load generators) talk
// over the IPC channel: a request carries an id, the answer echoes it.
import { fork, type ChildProcess } from 'node:child_process';

export interface Request {
  id: number;
  cmd: string;
  args: unknown;
}
export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** Most stdout/stderr kept from a child, to explain a failure. */
const OUTPUT_TAIL = 8_192;

/**
 * Child side: answers the parent's requests with `commands` (an error as its code and message),
 * and exits when the parent goes away, so that a crashed bench leaves nothing behind.
 */
export function serve(commands: Record<string, (args: any) => unknown>): void {
  const reply = (r: Reply): void => {
    if (process.connected) process.send!(r);
  };
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: Request) => {
    const command = commands[m.cmd];
    if (command === undefined) return reply({ id: m.id, ok: false, error: `unknown command ${m.cmd}` });
    Promise.resolve()
      .then(() => command(m.args))
      .then(
        (value) => reply({ id: m.id, ok: true, value: value ?? null }),
        (err: unknown) => reply({ id: m.id, ok: false, error: err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err) }),
      );
  });
}

/**
 * Parent side: one forked child, requests answered in any order. If the child exits, what is
 * pending is rejected with the tail of its output. `measured`: BENCH_NODE_ARGV adds Node flags to
 * this child (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p").
 */
export class BenchChild {
  readonly name: string;
  readonly process: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  #next = 1;
  #output = '';
  #gone = false;

  constructor(name: string, path: string, options: { env?: NodeJS.ProcessEnv; measured?: boolean } = {}) {
    this.name = name;
    const extra = options.measured === true ? (process.env.BENCH_NODE_ARGV ?? '').split(' ').filter((a) => a !== '') : [];
    const env = { ...process.env, ...options.env };
    this.process = fork(path, [name], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced', execArgv: [...process.execArgv, ...extra], env });
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
        resolve({ code, signal });
      }),
    );
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  /** The last few kilobytes the child wrote (stdout and stderr). */
  get output(): string {
    return this.#output;
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

  /** SIGKILL: no drain, no goodbye. */
  kill(): void {
    this.process.kill('SIGKILL');
  }

  /** Asks the child to close, then waits for it to exit; SIGKILL past `timeoutMs`. */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.#gone) return;
    const killer = setTimeout(() => this.kill(), timeoutMs);
    try {
      await this.request('close', {}, timeoutMs).catch(() => undefined);
      if (!this.#gone && this.process.connected) this.process.disconnect();
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
