import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publicKeyPem } from '../../clients/index.js';
import { TEST_KEY } from './tokens.js';

const GLASS = fileURLToPath(new URL('../../bin/glass.js', import.meta.url));

/**
 * A real `glass start` in a child process, on the embedded store in a fresh directory, with every
 * line it logs (stdout and stderr) kept, so that a test can read what an operator would.
 */
export class StoreNodeProcess {
  readonly dir: string;
  readonly dataDir: string;
  readonly tokenSecret: string;
  readonly lines: string[] = [];
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  readonly #waiters = new Set<() => void>();
  port = 0;

  private constructor(dir: string, tokenSecret: string, child: ChildProcess) {
    this.dir = dir;
    this.dataDir = join(dir, 'couch');
    this.tokenSecret = tokenSecret;
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = '';
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop()!;
        this.lines.push(...parts.filter((l) => l !== ''));
        for (const wake of this.#waiters) wake();
      });
    }
  }

  static async start(tokenSecret: string, workers = 2): Promise<StoreNodeProcess> {
    const dir = await mkdtemp(join(tmpdir(), 'glass-store-node-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      COUCHDB_URL: '',
      REDIS_URL: '',
      GLASS_PG_URL: '',
      GLASS_DATA_DIR: join(dir, 'couch'),
      // The node verifies with the test pair's public key (TestClient signs with its private key);
      // GLASS_TOKEN_SECRET is its resume secret.
      GLASS_TOKEN_PUBLIC_KEY: publicKeyPem(TEST_KEY),
      GLASS_TOKEN_SECRET: tokenSecret,
      LOG_LEVEL: 'debug',
    };
    const child = spawn(process.execPath, [GLASS, 'start', '--port', '0', '--workers', String(workers)], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const node = new StoreNodeProcess(dir, tokenSecret, child);
    const listening = await node.waitForLog((entry) => entry.msg === 'listening', 30_000);
    node.port = listening.port as number;
    return node;
  }

  /** Every line that parses as a JSON log entry. */
  entries(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const line of this.lines) {
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log entry
      }
    }
    return out;
  }

  /** The first log entry matching `match`, waiting for it up to `withinMs`. */
  waitForLog(match: (entry: Record<string, unknown>) => boolean, withinMs = 15_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.entries().find(match);
        if (found === undefined) return;
        done();
        resolve(found);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no such log line within ${withinMs} ms; last lines:\n${this.lines.slice(-10).join('\n')}`));
      }, withinMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGTERM');
      const killer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
      await this.#exited;
      clearTimeout(killer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** GET a path of the node; the status and the parsed JSON body (null when there is none). */
export async function getJson(port: number, path: string): Promise<{ status: number; body: Record<string, unknown> | null }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const text = await res.text();
  let body: Record<string, unknown> | null = null;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = null;
  }
  return { status: res.status, body };
}

/** Polls `probe` until it returns a value (not undefined), within `withinMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, withinMs = 15_000): Promise<T> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
