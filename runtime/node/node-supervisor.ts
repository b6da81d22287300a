import { MessageChannel, Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import * as Comlink from 'comlink';
import type { Clock, TimerHandle } from '../clock.js';
import type { WorkerControl, WorkerInit } from '../host/control-api.js';
import { newPulseBuffer } from '../host/worker-pulse.js';
import { ErrorCodes, GlassError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Router } from '../wire/router.js';
import type { Supervisor } from '../supervision.js';
import { workerControl } from './worker-control.js';
import { WorkerWatchdog, beatEveryMs, type BlockedWorker } from './worker-watchdog.js';
import { SpareWorker, type SpareEvent, type SpareStats } from './spare-worker.js';

export type { BlockedWorker } from './worker-watchdog.js';
export { SpareEvent, type SpareStats } from './spare-worker.js';

export const WorkerStatus = {
  STARTING: 'starting',
  RUNNING: 'running',
  /** Died; waiting out its restart backoff. Messages for it are held meanwhile. */
  BACKING_OFF: 'backing-off',
  /** Its event loop stopped turning for longer than blockedAfterMs: being ended, then restarted. */
  BLOCKED: 'blocked',
  STOPPED: 'stopped',
} as const;
export type WorkerStatus = (typeof WorkerStatus)[keyof typeof WorkerStatus];

/** Why a worker's thread ended: it exited (a crash, process.exit, out of memory), or the watchdog ended it. */
export const ExitReason = {
  EXITED: 'exited',
  BLOCKED: 'blocked',
} as const;
export type ExitReason = (typeof ExitReason)[keyof typeof ExitReason];

export interface WorkerExit {
  code: number;
  error: string | null;
  at: number;
  reason: ExitReason;
}

export interface WorkerHandle {
  readonly thread: number;
  worker: Worker;
  control: Comlink.Remote<WorkerControl>;
  status: WorkerStatus;
  restarts: number;
  lastExit: WorkerExit | null;
  /** The last time the watchdog found it blocked, and what it was doing. */
  lastBlocked: BlockedWorker | null;
  lastStart: number;
  /** The delay the supervisor gave for the last restart (0 before the first death). */
  nextDelayMs: number;
}

export interface NodeSupervisorOptions {
  workers: number;
  router: Router;
  clock: Clock;
  log: Logger;
  /** workerData of worker `thread`, given its ports (indexed by thread). */
  init: (thread: number, ports: (MessagePort | null)[]) => Omit<WorkerInit, 'pulse' | 'beatEveryMs'>;
  resourceLimits?: ResourceLimits;
  /** Decides how long a dead worker waits before its replacement starts (the node's supervisor policy). */
  supervisor: Pick<Supervisor, 'threadRestartDelayMs'>;
  /** A worker whose event loop has not turned for longer than this is ended and restarted; 0: never. */
  blockedAfterMs: number;
  /** The modules a spare thread imports ahead (worker-boot.ts preloadOf); null: no spare, a restart starts a thread. */
  sparePreload: string[] | null;
}

/**
 * How long after the workers (or a replacement) are ready a spare starts: its imports take a core
 * for a few hundred ms, which the node needs then (a replacement to bring its actors back); and a
 * node that lives less than this (a test's) never pays for one.
 */
export const SPARE_AFTER_MS = 1_000;

const WORKER_ENTRY = new URL('../host/worker-entry.js', import.meta.url);

/**
 * The root of a node's supervision tree: it starts the worker threads (each the supervisor of its
 * actors), wires every pair of threads with a MessagePort, and restarts a worker that dies — an
 * uncaught exception, process.exit inside it, out of memory under resourceLimits — with backoff.
 * While a worker is down every other thread holds what is sent to it (and what it had not yet
 * acknowledged); the replacement gets new ports and all of it, and its actors come back from the
 * store — or from the node's copy of their saved state — on their next message. When to restart is
 * the supervisor's decision, not this class's.
 * A worker whose event loop stops (a handler that never returns) is seen by the watchdog, which
 * reads the worker's beat from shared memory: it is terminated and restarted the same way.
 */
export class NodeSupervisor {
  readonly handles: WorkerHandle[] = [];
  readonly #o: NodeSupervisorOptions;
  #closing = false;
  readonly #exitListeners = new Set<(handle: WorkerHandle) => void>();
  readonly #restartListeners = new Set<(handle: WorkerHandle) => void>();
  readonly #blockedListeners = new Set<(handle: WorkerHandle, blocked: BlockedWorker) => void>();
  readonly #watchdog: WorkerWatchdog | null;
  /** Each worker's pulse buffer (this incarnation's), by thread. */
  readonly #pulses = new Map<number, SharedArrayBuffer>();
  /** The idle thread a dead worker's replacement is made from; null: none kept. */
  readonly #spare: SpareWorker | null;
  #spareTimer: TimerHandle | null = null;
  readonly #spareListeners = new Set<(event: SpareEvent, threadId: number) => void>();

  constructor(options: NodeSupervisorOptions) {
    this.#o = options;
    this.#spare =
      options.sparePreload === null
        ? null
        : new SpareWorker({
            entry: WORKER_ENTRY,
            preload: options.sparePreload,
            resourceLimits: options.resourceLimits,
            log: options.log,
            onSpare: (event, threadId) => {
              for (const listener of this.#spareListeners) listener(event, threadId);
            },
          });
    this.#watchdog = options.blockedAfterMs > 0 ? new WorkerWatchdog({ blockedAfterMs: options.blockedAfterMs, onBlocked: (b) => this.#blocked(b) }) : null;
  }

  /** Starts every worker with a full mesh of ports and waits until each is ready. */
  async start(): Promise<void> {
    const W = this.#o.workers;
    // ports[a][b]: the port thread a uses to talk to thread b.
    const ports: (MessagePort | null)[][] = Array.from({ length: W + 1 }, () => new Array<MessagePort | null>(W + 1).fill(null));
    for (let a = 0; a <= W; a++) {
      for (let b = a + 1; b <= W; b++) {
        const { port1, port2 } = new MessageChannel();
        ports[a][b] = port1;
        ports[b][a] = port2;
      }
    }
    for (let b = 1; b <= W; b++) this.#o.router.attach(b, ports[0][b]!);
    for (let thread = 1; thread <= W; thread++) this.handles.push(this.#spawn(thread, ports[thread], null));
    await Promise.all(this.handles.map((h) => this.#ready(h)));
    this.#bootSpareLater();
  }

  /** The spare thread's figures; null when the node keeps none. */
  spareStats(): SpareStats | null {
    return this.#spare?.stats() ?? null;
  }

  live(): WorkerHandle[] {
    return this.handles.filter((h) => h.status === WorkerStatus.RUNNING);
  }

  /**
   * The workers with a thread that reads its control port: running, or starting (a replacement
   * spawned, not ready yet: what it is told waits in its port). A death or a restart is told to all
   * of them, so that a worker dying while another one's replacement starts still leaves the two
   * replacements wired to each other.
   */
  #wired(except?: WorkerHandle): WorkerHandle[] {
    return this.handles.filter((h) => h !== except && (h.status === WorkerStatus.RUNNING || h.status === WorkerStatus.STARTING));
  }

  /** Called whenever a worker exits unexpectedly (before its restart is scheduled). */
  onExit(listener: (handle: WorkerHandle) => void): () => void {
    this.#exitListeners.add(listener);
    return () => this.#exitListeners.delete(listener);
  }

  /**
   * Called when the watchdog finds a worker blocked, before it is terminated (and before the exit
   * listeners): what its pulse says it was handling.
   */
  onBlocked(listener: (handle: WorkerHandle, blocked: BlockedWorker) => void): () => void {
    this.#blockedListeners.add(listener);
    return () => this.#blockedListeners.delete(listener);
  }

  /** Called whenever a spare thread has imported its modules (the next restart adopts it), or ended while idle. */
  onSpare(listener: (event: SpareEvent, threadId: number) => void): () => void {
    this.#spareListeners.add(listener);
    return () => this.#spareListeners.delete(listener);
  }

  /** Called whenever a restarted worker is ready again. */
  onRestart(listener: (handle: WorkerHandle) => void): () => void {
    this.#restartListeners.add(listener);
    return () => this.#restartListeners.delete(listener);
  }

  #spawn(thread: number, ports: (MessagePort | null)[], previous: WorkerHandle | null): WorkerHandle {
    const init = this.#o.init(thread, ports);
    // The mesh's ports and the ports to the node's main-thread services move to the worker.
    // So does the port of the node's copy of its saved state (state-copy-links.ts), when it keeps one.
    const transfer = [...ports, ...init.services.map((s) => s.port), init.stateCopy?.port ?? null].filter((p): p is MessagePort => p != null);
    // A new buffer per incarnation: a replacement never reads as its predecessor.
    const pulse = this.#watchdog === null ? null : newPulseBuffer();
    if (pulse !== null) this.#pulses.set(thread, pulse);
    const workerData: WorkerInit = { ...init, pulse, beatEveryMs: beatEveryMs(this.#o.blockedAfterMs) };
    // A replacement is the spare when one is booted: its thread is up and its modules loaded.
    const adopted = previous === null ? null : (this.#spare?.adopt(workerData, transfer) ?? null);
    const worker = adopted ?? new Worker(WORKER_ENTRY, { workerData, transferList: transfer, resourceLimits: this.#o.resourceLimits });
    const handle: WorkerHandle = previous ?? {
      thread,
      worker,
      control: null as never,
      status: WorkerStatus.STARTING,
      restarts: 0,
      lastExit: null,
      lastBlocked: null,
      lastStart: this.#o.clock.now(),
      nextDelayMs: 0,
    };
    handle.worker = worker;
    handle.control = workerControl(worker);
    handle.status = WorkerStatus.STARTING;
    let error: string | null = null;
    worker.on('error', (err) => {
      error = err.message;
      this.#o.log.error({ thread, err: err.message }, 'worker failed');
    });
    worker.once('exit', (code) => {
      if (handle.worker !== worker) return;
      this.#watchdog?.unwatch(thread);
      const blocked = handle.status === WorkerStatus.BLOCKED ? handle.lastBlocked : null;
      handle.lastExit =
        blocked === null
          ? { code, error, at: this.#o.clock.now(), reason: ExitReason.EXITED }
          : { code, error: `blocked for ${blocked.forMs} ms${blockedWhere(blocked)}`, at: this.#o.clock.now(), reason: ExitReason.BLOCKED };
      if (this.#closing) {
        handle.status = WorkerStatus.STOPPED;
        return;
      }
      this.#died(handle);
    });
    return handle;
  }

  async #ready(handle: WorkerHandle): Promise<void> {
    const worker = handle.worker;
    const info = await Promise.race([
      handle.control.ready(),
      new Promise<never>((_, reject) =>
        worker.once('exit', (code) => reject(new GlassError(ErrorCodes.WORKER_FAILED, `worker ${handle.thread} exited during start (code ${code})`))),
      ),
    ]);
    if (handle.worker !== worker || handle.status !== WorkerStatus.STARTING) return;
    handle.status = WorkerStatus.RUNNING;
    const pulse = this.#pulses.get(handle.thread);
    if (pulse !== undefined && !this.#closing) this.#watchdog?.watch(handle.thread, pulse, info.types);
  }

  /** The watchdog saw a running worker's loop stop: it is ended, and restarted as if it had died. */
  #blocked(blocked: BlockedWorker): void {
    const handle = this.handles[blocked.thread - 1];
    if (handle === undefined || handle.status !== WorkerStatus.RUNNING || this.#closing) return;
    handle.status = WorkerStatus.BLOCKED;
    handle.lastBlocked = blocked;
    this.#o.log.error(
      { thread: handle.thread, reason: ExitReason.BLOCKED, blockedForMs: blocked.forMs, actor: blocked.key, messageType: blocked.messageType },
      'worker blocked; ending it',
    );
    for (const listener of this.#blockedListeners) listener(handle, blocked);
    // terminate() stops a thread that is running JavaScript; its exit restarts it (#died).
    handle.worker.terminate().catch((err: unknown) => this.#o.log.error({ thread: handle.thread, err: (err as Error).message }, 'ending a blocked worker failed'));
  }

  #died(handle: WorkerHandle): void {
    const { thread } = handle;
    const upFor = handle.lastExit!.at - handle.lastStart;
    handle.status = WorkerStatus.BACKING_OFF;
    // Everyone holds what goes to the dead thread from now on, and takes back what it never read.
    this.#o.router.hold(thread);
    for (const other of this.#wired(handle)) void other.control.hold(thread).catch(() => {});
    const { code, error, reason } = handle.lastExit!;
    handle.nextDelayMs = this.#o.supervisor.threadRestartDelayMs({ thread, upForMs: upFor, code, reason });
    this.#o.log.error({ thread, code, err: error, reason, restartInMs: handle.nextDelayMs }, reason === ExitReason.BLOCKED ? 'blocked worker ended; restarting' : 'worker died; restarting');
    for (const listener of this.#exitListeners) listener(handle);
    if (handle.nextDelayMs === 0) void this.#restart(handle);
    else this.#o.clock.setTimeout(() => void this.#restart(handle), handle.nextDelayMs);
  }

  async #restart(handle: WorkerHandle): Promise<void> {
    if (this.#closing) return;
    const thread = handle.thread;
    const ports = new Array<MessagePort | null>(this.#o.workers + 1).fill(null);
    const main = new MessageChannel();
    ports[0] = main.port2;
    this.#o.router.attach(thread, main.port1);
    // Each live worker gets its end of a new channel (and sends what it held) while the
    // replacement starts: what the replacement posts waits in its port until then.
    const attached = this.#wired(handle).map((other) => {
      const { port1, port2 } = new MessageChannel();
      ports[other.thread] = port1;
      return other.control.attach(thread, Comlink.transfer(port2, [port2]));
    });
    handle.restarts++;
    handle.lastStart = this.#o.clock.now();
    this.#spawn(thread, ports, handle);
    // Asked at once, so that the question waits in the replacement's control port ahead of most of
    // what it is handed on its data ports: it is marked running, and watched, as it starts on them.
    const ready = this.#ready(handle);
    ready.catch(() => undefined);
    // A peer that died meanwhile refuses its attach; this worker still starts (the peer's replacement
    // is wired to the workers live when it restarts).
    for (const r of await Promise.allSettled(attached)) {
      if (r.status === 'rejected') this.#o.log.warn({ thread, err: (r.reason as Error).message }, 'a worker did not take its port to a restarted worker');
    }
    try {
      await ready;
      this.#o.log.info({ thread, restarts: handle.restarts }, 'worker restarted');
      for (const listener of this.#restartListeners) listener(handle);
    } catch (err) {
      this.#o.log.error({ thread, err: (err as Error).message }, 'worker restart failed');
    }
    this.#bootSpareLater();
  }

  /** The next spare, once the workers have had their start to themselves (one timer at a time). */
  #bootSpareLater(): void {
    const spare = this.#spare;
    if (spare === null || spare.booted || this.#spareTimer !== null || this.#closing) return;
    this.#spareTimer = this.#o.clock.setTimeout(() => {
      this.#spareTimer = null;
      if (!this.#closing) spare.boot();
    }, SPARE_AFTER_MS);
  }

  /** Closes every live worker (they drain their actors first), then terminates all of them. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#watchdog?.stop();
    if (this.#spareTimer !== null) this.#o.clock.clearTimeout(this.#spareTimer);
    await this.#spare?.close();
    await Promise.allSettled(this.live().map((h) => h.control.close()));
    await Promise.allSettled(this.handles.map((h) => h.worker.terminate()));
    for (const h of this.handles) h.status = WorkerStatus.STOPPED;
  }
}

function blockedWhere(b: BlockedWorker): string {
  if (b.key === null) return ' outside any handler';
  return ` in ${b.key}${b.messageType === null ? '' : ` (${b.messageType})`}`;
}
