import { MessageChannel, Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import type { WorkerInit } from '../host/control-api.js';
import { SPARE_LOADED, type SpareBoot } from '../host/worker-boot.js';
import type { Logger } from '../logger.js';

export interface SpareWorkerOptions {
  entry: URL;
  /** What the node's workers import (worker-boot.ts preloadOf). */
  preload: string[];
  resourceLimits?: ResourceLimits;
  log: Logger;
  /** A spare has imported its modules, or ended while idle (its thread id). */
  onSpare?: (event: SpareEvent, threadId: number) => void;
}

export const SpareEvent = {
  LOADED: 'loaded',
  LOST: 'lost',
} as const;
export type SpareEvent = (typeof SpareEvent)[keyof typeof SpareEvent];

export interface SpareStats {
  /** Spares started so far. */
  booted: number;
  /** Spares that became a worker. */
  adopted: number;
  /** Spares that ended while idle (a failing import, an out-of-memory start). */
  lost: number;
  /** The thread id of the spare booted now, with its modules imported (loaded) or not yet; null: none. */
  spare: { threadId: number; loaded: boolean } | null;
}

interface Spare {
  worker: Worker;
  adopt: MessagePort;
  loaded: boolean;
  onError: (err: Error) => void;
  onExit: (code: number) => void;
}

/**
 * At most one idle worker thread, started ahead with the modules the node's workers load (the
 * thread start and the imports are most of a worker's restart: the game's services import
 * LangGraph). When a worker dies its replacement is this thread, given the dead worker's
 * WorkerInit (thread, new ports, pulse, the copy of its saved state) at that moment; the node
 * supervisor boots the next spare later. Idle it is unref'd: it never keeps a process alive. A
 * spare that ends while idle is not replaced until the next restart (no loop against a module that
 * fails to load): restarts then start a thread from scratch, as without a spare.
 */
export class SpareWorker {
  readonly #o: SpareWorkerOptions;
  #spare: Spare | null = null;
  #closed = false;
  #booted = 0;
  #adopted = 0;
  #lost = 0;

  constructor(options: SpareWorkerOptions) {
    this.#o = options;
  }

  get booted(): boolean {
    return this.#spare !== null;
  }

  stats(): SpareStats {
    const spare = this.#spare;
    return { booted: this.#booted, adopted: this.#adopted, lost: this.#lost, spare: spare === null ? null : { threadId: spare.worker.threadId, loaded: spare.loaded } };
  }

  /** Starts a spare unless one is booted (or the node is closing). */
  boot(): void {
    if (this.#closed || this.#spare !== null) return;
    const { port1, port2 } = new MessageChannel();
    const workerData: SpareBoot = { spare: true, preload: this.#o.preload, adopt: port2 };
    const worker = new Worker(this.#o.entry, { workerData, transferList: [port2], resourceLimits: this.#o.resourceLimits });
    const threadId = worker.threadId;
    worker.unref();
    const spare: Spare = {
      worker,
      adopt: port1,
      loaded: false,
      onError: (err) => this.#o.log.warn({ err: err.message }, 'spare worker failed'),
      onExit: (code) => {
        if (this.#spare !== spare) return;
        this.#spare = null;
        port1.close();
        if (!this.#closed) {
          this.#lost++;
          this.#o.log.warn({ code }, 'spare worker ended while idle');
          this.#o.onSpare?.(SpareEvent.LOST, threadId);
        }
      },
    };
    port1.once('message', (m: unknown) => {
      if (m !== SPARE_LOADED || this.#spare !== spare) return;
      spare.loaded = true;
      this.#o.onSpare?.(SpareEvent.LOADED, worker.threadId);
    });
    // Neither the port nor the idle thread keeps the process alive.
    port1.unref();
    worker.on('error', spare.onError);
    worker.once('exit', spare.onExit);
    this.#spare = spare;
    this.#booted++;
  }

  /**
   * The spare becomes the worker `init` describes (its ports in `transfer`); null when none is
   * booted. The caller owns the thread from here: its own listeners see its errors and exit.
   */
  adopt(init: WorkerInit, transfer: MessagePort[]): Worker | null {
    const spare = this.#spare;
    // threadId is -1 once the thread's exit was seen: that spare cannot take the init.
    if (spare === null || spare.worker.threadId === -1) return null;
    this.#spare = null;
    spare.worker.off('error', spare.onError);
    spare.worker.off('exit', spare.onExit);
    // The spare closes the channel once it has the message (worker-boot.ts).
    spare.adopt.postMessage(init, transfer);
    spare.worker.ref();
    this.#adopted++;
    return spare.worker;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const spare = this.#spare;
    if (spare === null) return;
    this.#spare = null;
    spare.adopt.close();
    await spare.worker.terminate();
  }
}
