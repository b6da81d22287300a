// A redis-server of our own on a free loopback port (tests, and `glass bench run --local --nodes N`).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** Servers this process started and has not seen exit: killed if the process exits first. */
const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * A redis-server of our own (a test's, a bench run's), on a free loopback port, keeping nothing on
 * disk (like the machine's): stop() is a SIGKILL and start() brings it back on the same port,
 * empty — a Redis restart that loses every stream. The machine's instance on 6379 is never stopped.
 */
export class OwnRedisServer {
  readonly port: number;
  readonly url: string;
  readonly #dir: string;
  #process: ChildProcess | null = null;

  private constructor(port: number) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
    this.#dir = mkdtempSync(join(tmpdir(), 'glass-redis-'));
  }

  static async start(port?: number): Promise<OwnRedisServer> {
    const server = new OwnRedisServer(port ?? (await freePort()));
    await server.start();
    return server;
  }

  get running(): boolean {
    return this.#process !== null;
  }

  /** The server process's id while it runs (to sample its CPU and memory). */
  get pid(): number | null {
    return this.#process?.pid ?? null;
  }

  /** Starts the server; resolves once it says it accepts connections and answers a PING. */
  async start(): Promise<void> {
    if (this.#process !== null) return;
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.#dir, '--loglevel', 'notice'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    alive.add(child);
    child.once('exit', () => alive.delete(child));
    this.#process = child;
    let log = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`redis-server on ${this.port} not ready in 10 s:\n${log.slice(-1_000)}`)), 10_000);
        child.stdout!.on('data', (chunk: Buffer) => {
          log += chunk.toString();
          if (log.includes('Ready to accept connections')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`redis-server on ${this.port} exited with ${code}:\n${log.slice(-1_000)}`));
        });
      });
      child.removeAllListeners('exit');
      child.once('exit', () => alive.delete(child));
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      child.stderr!.resume();
      const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await client.connect();
        const pong = await client.ping();
        if (pong !== 'PONG') throw new Error(`redis-server on ${this.port} answered PING with ${pong}`);
      } finally {
        client.disconnect();
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Stops the server abruptly (SIGKILL: no shutdown courtesy) and resolves when it has exited. */
  async stop(): Promise<void> {
    const child = this.#process;
    if (child === null) return;
    this.#process = null;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
