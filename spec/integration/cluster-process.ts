// One node process of the cluster tests, seen from the test: requests over IPC with a bound, its
// membership as last reported, signals (pause, resume, kill). The process itself is
// spec/fixtures/cluster-node-process.ts.
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Address, Location } from '../../runtime/index.js';
import { within } from '../contract/transport-harness.js';
import type { ClusterNodeConfig, NodeCommand, NodeEvent, NodeReply, Outcome, WireFailure } from '../fixtures/cluster-node-process.js';

const NODE_ENTRY = fileURLToPath(new URL('../fixtures/cluster-node-process.js', import.meta.url));

/** Child processes this test process started and has not seen exit: killed if it exits first. */
const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

function track(child: ChildProcess): void {
  alive.add(child);
  child.once('exit', () => alive.delete(child));
}

/** An error a node answered with, its runtime code kept (e.g. GLASS_ERR_UNKNOWN_KIND). */
export class RemoteError extends Error {
  readonly code: string | null;
  constructor(node: string, failure: WireFailure) {
    super(`${node}: ${failure.message}`);
    this.name = 'RemoteError';
    this.code = failure.code;
  }
}

const STDERR_TAIL = 4_000;

/** One node process: requests over IPC with a bound, its membership as last reported. */
export class NodeProcess {
  readonly id: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  readonly exited: Promise<number | string>;
  /** The members this node reported last (ready, then each change it applied), ids sorted. */
  members: string[] = [];
  /** Every membership view the node reported, in order, with the time it arrived here. */
  readonly views: { members: string[]; at: number }[] = [];
  #rid = 0;
  readonly #pending = new Map<number, { resolve(o: Outcome): void; reject(e: Error): void }>();
  readonly #events = new EventEmitter();
  #stderr = '';
  #gone: string | null = null;

  constructor(config: ClusterNodeConfig) {
    this.id = config.nodeId;
    const env = { ...process.env };
    // Not a test file of node:test's own: the child is a plain program.
    delete env.NODE_TEST_CONTEXT;
    this.child = fork(NODE_ENTRY, [JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [], env });
    track(this.child);
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (process.env.CLUSTER_TEST_DEBUG) process.stderr.write(`[${this.id}] ${chunk}`);
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL);
      if (process.env.CLUSTER_TEST_DEBUG) process.stderr.write(`[${this.id}] ${chunk}`);
    });
    this.child.on('message', (m: NodeReply | NodeEvent) => this.#onMessage(m));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.#gone = `exited (${signal ?? code})`;
        for (const p of this.#pending.values()) p.reject(new Error(`node ${this.id} ${this.#gone} before answering${this.#tail()}`));
        this.#pending.clear();
        this.#events.emit('exit');
        resolve(signal ?? code ?? -1);
      });
    });
  }

  get running(): boolean {
    return this.#gone === null;
  }

  #tail(): string {
    return this.#stderr === '' ? '' : `; its stderr ends with:\n${this.#stderr}`;
  }

  #onMessage(m: NodeReply | NodeEvent): void {
    if ('rid' in m) {
      const p = this.#pending.get(m.rid);
      this.#pending.delete(m.rid);
      p?.resolve(m);
      return;
    }
    if (m.event === 'failed') {
      this.#events.emit('failed', m.error);
      return;
    }
    this.members = m.members.map((x) => x.id).sort();
    this.views.push({ members: this.members, at: Date.now() });
    this.#events.emit(m.event);
    this.#events.emit('view');
  }

  /** Resolves once the node has started (registered, first view applied on every thread). */
  ready(timeoutMs = 30_000): Promise<void> {
    if (!this.running) return Promise.reject(new Error(`node ${this.id} ${this.#gone}${this.#tail()}`));
    if (this.views.length > 0) return Promise.resolve();
    return within(
      new Promise<void>((resolve, reject) => {
        this.#events.once('ready', () => resolve());
        this.#events.once('failed', (e: WireFailure) => reject(new RemoteError(this.id, e)));
        this.#events.once('exit', () => reject(new Error(`node ${this.id} ${this.#gone} before it was ready${this.#tail()}`)));
      }),
      timeoutMs,
      `node ${this.id} to start${this.#tail()}`,
    );
  }

  /** Resolves once this node's applied view is exactly `ids` (now, or on a later change). */
  async seesMembers(ids: readonly string[], timeoutMs = 15_000): Promise<void> {
    const want = [...ids].sort().join();
    if (this.members.join() === want) return;
    let listener = (): void => {};
    const seen = new Promise<void>((resolve, reject) => {
      listener = () => {
        if (!this.running) reject(new Error(`node ${this.id} ${this.#gone}${this.#tail()}`));
        else if (this.members.join() === want) resolve();
      };
      this.#events.on('view', listener);
      this.#events.on('exit', listener);
    });
    try {
      await within(seen, timeoutMs, `node ${this.id} to see members [${want}] (it sees [${this.members.join()}])`);
    } finally {
      this.#events.off('view', listener);
      this.#events.off('exit', listener);
    }
  }

  /** Sends one command; resolves with its outcome, or rejects if there is none within `timeoutMs`. */
  request(command: NodeCommand, timeoutMs = 20_000): Promise<Outcome> {
    if (!this.running) return Promise.reject(new Error(`node ${this.id} ${this.#gone}${this.#tail()}`));
    const rid = ++this.#rid;
    const answered = new Promise<Outcome>((resolve, reject) => this.#pending.set(rid, { resolve, reject }));
    this.child.send({ ...command, rid });
    return within(answered, timeoutMs, `node ${this.id} to answer ${command.cmd}`).finally(() => this.#pending.delete(rid));
  }

  /** A command's value, or its failure thrown as a RemoteError. */
  async call<T>(command: NodeCommand, timeoutMs?: number): Promise<T> {
    const o = await this.request(command, timeoutMs);
    if (!o.ok) throw new RemoteError(this.id, o.error);
    return o.value as T;
  }

  /** node.ask from this node's main thread. */
  ask<T>(to: Address, msg: unknown, timeoutMs = 10_000): Promise<T> {
    return this.call<T>({ cmd: 'ask', to, msg, timeoutMs }, timeoutMs + 5_000);
  }

  /** Many asks from this node at once; one outcome each, in order. */
  askMany(requests: { to: Address; msg: unknown }[], timeoutMs = 10_000): Promise<Outcome[]> {
    return this.call<Outcome[]>({ cmd: 'askMany', requests, timeoutMs }, timeoutMs + 10_000);
  }

  tell(to: Address, msg: unknown): Promise<void> {
    return this.call<void>({ cmd: 'tell', to, msg });
  }

  locate(ids: string[], kind = 'tally'): Promise<Location[]> {
    return this.call<Location[]>({ cmd: 'locate', kind, ids });
  }

  status(): Promise<{ mode: string; membership: string; transport: string; unackedDeliveries: number }> {
    return this.call({ cmd: 'status' });
  }

  /** The longest stall of the node's main thread since the last call, in ms. */
  lag(): Promise<number> {
    return this.call<number>({ cmd: 'lag' });
  }

  /** Keys of the actors active on this node (of `kind`, if given). */
  async activeKeys(kind?: string): Promise<string[]> {
    const threads = await this.call<{ thread: number; actors: string[] }[]>({ cmd: 'inspect', kind });
    return threads.flatMap((t) => t.actors);
  }

  /** Graceful: the node closes (actors saved, cluster left) and exits 0; SIGKILL if it does not within the bound. */
  async close(timeoutMs = 20_000): Promise<void> {
    if (!this.running) return;
    this.resume();
    try {
      await this.call({ cmd: 'close' }, timeoutMs);
      await within(this.exited, 5_000, `node ${this.id} to exit after close`);
    } finally {
      await this.kill();
    }
  }

  /** SIGSTOP: the whole process freezes (a long GC pause, a VM stall), its sockets left open. */
  pause(): void {
    this.child.kill('SIGSTOP');
  }

  /** SIGCONT: it goes on where it stopped, its timers late. */
  resume(): void {
    this.child.kill('SIGCONT');
  }

  /** SIGKILL; resolves once the process is gone. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }
}
