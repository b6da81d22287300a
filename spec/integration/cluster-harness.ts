import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Address, Location } from '../../runtime/index.js';
import { startTestCouch } from '../contract/couch-harness.js';
import { within } from '../contract/transport-harness.js';
import type { ClusterNodeConfig, NodeCommand, NodeEvent, NodeReply, Outcome, WireFailure } from '../fixtures/cluster-node-process.js';
import { OwnRedisServer } from '../fixtures/redis-server.js';

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

export interface ClusterOptions {
  /** Names the couch database and temp dirs. */
  label: string;
  nodes: string[];
  workers?: number;
  heartbeatMs?: number;
  downAfterMs?: number;
  askTimeoutMs?: number;
  /** Fork every node at once (the nodes start while the others register), rather than one after another. */
  together?: boolean;
}

/**
 * N node processes on one machine: a private redis-server, an embedded CouchDB-protocol server in
 * this process's care, and a membership prefix of their own.
 */
export class Cluster {
  readonly redis: OwnRedisServer;
  readonly couch: Awaited<ReturnType<typeof startTestCouch>>;
  readonly nodes = new Map<string, NodeProcess>();
  readonly #base: Omit<ClusterNodeConfig, 'nodeId'>;

  private constructor(redis: OwnRedisServer, couch: Awaited<ReturnType<typeof startTestCouch>>, options: ClusterOptions) {
    this.redis = redis;
    this.couch = couch;
    const label = options.label.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    this.#base = {
      prefix: `glass-cluster-test-${label}-${process.pid}`,
      redisUrl: redis.url,
      couchUrl: couch.couch.url,
      db: `cluster_${label}_${process.pid}`,
      workers: options.workers ?? 2,
      heartbeatMs: options.heartbeatMs ?? 100,
      downAfterMs: options.downAfterMs ?? 600,
      askTimeoutMs: options.askTimeoutMs,
    };
  }

  /** Starts everything and resolves once every node sees every other. */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const [redis, couch] = await Promise.all([OwnRedisServer.start(), startTestCouch(`cluster-${options.label}`)]);
    const cluster = new Cluster(redis, couch, options);
    try {
      if (options.together) await Promise.all(options.nodes.map((id) => cluster.addNode(id)));
      else for (const id of options.nodes) await cluster.addNode(id);
      await cluster.converged(options.nodes);
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  get config(): Omit<ClusterNodeConfig, 'nodeId'> {
    return this.#base;
  }

  node(id: string): NodeProcess {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** The nodes still running. */
  live(): NodeProcess[] {
    return [...this.nodes.values()].filter((n) => n.running);
  }

  /** Forks one more node and resolves once it has started (not once the others see it). */
  async addNode(id: string): Promise<NodeProcess> {
    const node = new NodeProcess({ ...this.#base, nodeId: id });
    this.nodes.set(id, node);
    await node.ready();
    return node;
  }

  /** Resolves once every running node's applied view is exactly `ids`. */
  async converged(ids: readonly string[], timeoutMs = 15_000): Promise<void> {
    await Promise.all(this.live().map((n) => n.seesMembers(ids, timeoutMs)));
  }

  /** How many views each node has applied so far: a mark for `viewsSince`. */
  viewMark(): Map<string, number> {
    return new Map([...this.nodes].map(([id, n]) => [id, n.views.length]));
  }

  /** The views nodes applied since `mark`, as text ("a applied [a,c]"): what explains a failure after a flap. */
  viewsSince(mark: ReadonlyMap<string, number>): string[] {
    return [...this.nodes].flatMap(([id, n]) => n.views.slice(mark.get(id) ?? 0).map((v) => `${id} applied [${v.members.join()}]`));
  }

  /** SIGKILLs a node: no goodbye, its actors' unsaved state and its unread stream entries left behind. */
  kill(id: string): Promise<void> {
    return this.node(id).kill();
  }

  /**
   * `count` ids of the form `<prefix>-<i>` that `by` places on node `owner` (ids are placed by
   * their id alone, whatever the kind).
   */
  async idsOn(by: NodeProcess, owner: string, prefix: string, count: number): Promise<string[]> {
    const out: string[] = [];
    for (let start = 0; out.length < count; start += 200) {
      if (start > 20_000) throw new Error(`no ${count} ids on ${owner}`);
      const ids = Array.from({ length: 200 }, (_, i) => `${prefix}-${start + i}`);
      const where = await by.locate(ids);
      for (const [i, id] of ids.entries()) if (where[i].node === owner && out.length < count) out.push(id);
    }
    return out;
  }

  /** Closes every node gracefully (SIGKILL past a bound), then Redis and CouchDB. Safe after a failure. */
  async close(): Promise<void> {
    await Promise.allSettled(this.live().map((n) => n.close()));
    await Promise.allSettled([this.redis.dispose(), this.couch.stop()]);
  }
}

/** Awaits a probe (a real round trip to the nodes each time) until it holds, within a deadline. */
export { until } from './node-harness.js';
export { within };

/** Per tally: per sender key, the numbers it saw in order. */
export type TallyReport = Record<string, number[]>;

/**
 * What is wrong with what `tallyId` saw from `sender`, told 1..sent: numbers missing, numbers seen
 * more than once, numbers out of the sent range. Empty when it saw each exactly once.
 */
export function tallyProblems(tallyId: string, sender: string, seen: readonly number[] | undefined, sent: number): string[] {
  const problems: string[] = [];
  const counts = new Map<number, number>();
  for (const n of seen ?? []) counts.set(n, (counts.get(n) ?? 0) + 1);
  const missing: number[] = [];
  for (let n = 1; n <= sent; n++) if (!counts.has(n)) missing.push(n);
  const doubled = [...counts].filter(([, c]) => c > 1).map(([n, c]) => `${n}×${c}`);
  const extra = [...counts.keys()].filter((n) => n < 1 || n > sent);
  const where = `tally:${tallyId} from ${sender}`;
  if (missing.length > 0) problems.push(`${where}: ${missing.length} of ${sent} lost (${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''})`);
  if (doubled.length > 0) problems.push(`${where}: ${doubled.length} handled twice (${doubled.slice(0, 8).join(', ')})`);
  if (extra.length > 0) problems.push(`${where}: numbers never sent (${extra.slice(0, 8).join(', ')})`);
  return problems;
}

/** Asks every tally for its report (from `via`), failing the test on any refusal. */
export async function tallyReports(via: NodeProcess, ids: readonly string[], timeoutMs = 15_000): Promise<Map<string, TallyReport>> {
  const outcomes = await via.askMany(
    ids.map((id) => ({ to: { kind: 'tally', id }, msg: { type: 'report' } })),
    timeoutMs,
  );
  const reports = new Map<string, TallyReport>();
  for (const [i, o] of outcomes.entries()) {
    if (!o.ok) throw new RemoteError(via.id, { code: o.error.code, message: `report of tally:${ids[i]}: ${o.error.message}` });
    reports.set(ids[i], o.value as TallyReport);
  }
  return reports;
}

/** How many numbers the tallies saw in all. */
export function totalSeen(reports: ReadonlyMap<string, TallyReport>): number {
  let total = 0;
  for (const r of reports.values()) for (const ns of Object.values(r)) total += ns.length;
  return total;
}

/** Every pump's `sent` (target id → how many it told that target), keyed by the pump's address key. */
export async function pumpsSent(via: NodeProcess, pumps: readonly string[]): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  for (const id of pumps) out.set(`pump:${id}`, await via.ask<Record<string, number>>({ kind: 'pump', id }, { type: 'sent' }));
  return out;
}

export function sum(values: Iterable<number>): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

/**
 * Keeps one step going per key (each awaited before the next), counting steps started and steps
 * that succeeded; a failed step (a timeout during an outage) counts as sent, not acknowledged.
 * Waiting for progress resolves from the loops themselves.
 */
export class Load {
  readonly sent: Map<string, number>;
  readonly acked: Map<string, number>;
  readonly errors: string[] = [];
  #running = true;
  readonly #loops: Promise<void>[];
  #waiters: { ready(): boolean; resolve(): void }[] = [];

  constructor(keys: readonly string[], step: (key: string) => Promise<unknown>) {
    this.sent = new Map(keys.map((k) => [k, 0]));
    this.acked = new Map(keys.map((k) => [k, 0]));
    this.#loops = keys.map(async (key) => {
      while (this.#running) {
        this.sent.set(key, this.sent.get(key)! + 1);
        try {
          await step(key);
          this.acked.set(key, this.acked.get(key)! + 1);
        } catch (err) {
          if (this.errors.length < 20) this.errors.push(`${key}: ${err instanceof Error ? err.message : String(err)}`);
          if (!this.#running) break;
          // A step that fails at once (its node gone) must not spin in microtasks and starve the loop.
          await new Promise((resolve) => setImmediate(resolve));
        }
        this.#waiters = this.#waiters.filter((w) => (w.ready() ? (w.resolve(), false) : true));
      }
    });
  }

  /** Acknowledged steps per key now (a copy). */
  snapshot(): Map<string, number> {
    return new Map(this.acked);
  }

  /** Resolves once every key has `more` acknowledged steps beyond `from` (default: now). */
  progress(more: number, what: string, timeoutMs = 20_000, from: ReadonlyMap<string, number> = this.snapshot()): Promise<void> {
    const ready = (): boolean => [...this.acked].every(([k, n]) => n >= from.get(k)! + more);
    if (ready()) return Promise.resolve();
    const reached = new Promise<void>((resolve) => this.#waiters.push({ ready, resolve }));
    return within(reached, timeoutMs, `${what} (acknowledged ${[...this.acked.values()].join(',')}; last errors: ${this.errors.slice(-3).join(' | ')})`);
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }
}

/** Like `until`, but resolves false at the deadline instead of throwing (the caller then explains what is wrong). */
/**
 * How many numbers the tallies saw in all, or null while one is too busy to answer in time: after
 * a failover the survivors work off a backlog of messages that each wait for a save, and a report
 * asked for waits behind them. That is progress, not a failure: the caller asks again.
 */
export async function seenOrBusy(via: NodeProcess, ids: readonly string[]): Promise<number | null> {
  try {
    return totalSeen(await tallyReports(via, ids));
  } catch (err) {
    if (err instanceof RemoteError && err.code === 'GLASS_ERR_ASK_TIMEOUT') return null;
    throw err;
  }
}

export async function eventually(probe: () => Promise<boolean>, deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > end) return false;
  }
}

/** Every problem of every (tally, pump) pair, given what each pump says it sent. */
export function allTallyProblems(reports: ReadonlyMap<string, TallyReport>, sent: ReadonlyMap<string, Record<string, number>>): string[] {
  const problems: string[] = [];
  for (const [tallyId, report] of reports) {
    for (const [pumpKey, byTarget] of sent) problems.push(...tallyProblems(tallyId, pumpKey, report[pumpKey], byTarget[tallyId] ?? 0));
    for (const sender of Object.keys(report)) if (!sent.has(sender)) problems.push(`tally:${tallyId}: numbers from an unexpected sender ${sender}`);
  }
  return problems;
}

/** How many tells the pumps say they sent, in all. */
export function totalSent(sent: ReadonlyMap<string, Record<string, number>>): number {
  let total = 0;
  for (const byTarget of sent.values()) total += sum(Object.values(byTarget));
  return total;
}

/** What is wrong with each durable counter's saved total, given the adds asked of it. */
export async function counterProblems(via: NodeProcess, ids: readonly string[], load: Load): Promise<string[]> {
  const problems: string[] = [];
  for (const id of ids) {
    const { total, adds } = await via.ask<{ total: number; adds: number }>({ kind: 'durable-counter', id }, { type: 'get' });
    const acked = load.acked.get(id)!;
    const sent = load.sent.get(id)!;
    if (total !== adds) problems.push(`durable-counter:${id}: total ${total} but ${adds} adds`);
    if (total < acked) problems.push(`durable-counter:${id}: ${total} saved < ${acked} acknowledged (acknowledged adds lost)`);
    if (total > sent) problems.push(`durable-counter:${id}: ${total} saved > ${sent} asked (an add applied twice)`);
  }
  return problems;
}
