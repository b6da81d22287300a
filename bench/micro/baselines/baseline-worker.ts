import { once } from 'node:events';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { RunTiming } from '../actors/bench-actors.js';

/** What the main thread asks a baseline worker to run; the same figures the runtime side gets. */
export interface BaselineRequest {
  /** Actors on the thread (ring-loop) or pairs of actors across the two threads (port-pair). */
  actors: number;
  chains: number;
  hops: number;
  /** Most messages in one post (port-pair); the runtime's `maxBatch`. */
  maxBatch: number;
}

/** workerData of a port-pair worker: which side it is and its end of the channel. */
export interface PortPairInit {
  side: 'a' | 'b';
  port: MessagePort;
}

const RING_LOOP = new URL('./ring-loop.js', import.meta.url);
const PORT_PAIR = new URL('./port-pair.js', import.meta.url);

/**
 * A baseline worker thread driven by request/response over its parent port: one request at a
 * time, answered with the run's timing measured inside the worker.
 */
export class BaselineWorker {
  readonly #worker: Worker;
  #busy = false;

  constructor(url: URL, workerData?: unknown, transferList?: MessagePort[]) {
    this.#worker = new Worker(url, { workerData, transferList });
    this.#worker.on('error', () => undefined); // surfaced by the pending request below
  }

  async request(request: BaselineRequest): Promise<RunTiming> {
    if (this.#busy) throw new Error('baseline worker: one request at a time');
    this.#busy = true;
    // The losers of the race must stop listening, or every round leaves an 'error' listener behind.
    const settled = new AbortController();
    const { signal } = settled;
    try {
      this.#worker.postMessage(request);
      const [reply] = (await Promise.race([
        once(this.#worker, 'message', { signal }),
        once(this.#worker, 'error', { signal }).then(([err]) => Promise.reject(err)),
        once(this.#worker, 'exit', { signal }).then(([code]) => Promise.reject(new Error(`baseline worker exited (code ${code})`))),
      ])) as [RunTiming];
      return reply;
    } finally {
      settled.abort();
      this.#busy = false;
    }
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}

/** The in-worker baseline: one thread running a bare ring-buffer dispatch loop. */
export function startRingLoop(): BaselineWorker {
  return new BaselineWorker(RING_LOOP);
}

/**
 * The cross-worker baseline: two threads joined by one MessageChannel. Side "a" kicks the chains
 * and answers when they have all ended; side "b" only answers hops.
 */
export class PortPair {
  readonly #a: BaselineWorker;
  readonly #b: BaselineWorker;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.#a = new BaselineWorker(PORT_PAIR, { side: 'a', port: port1 } satisfies PortPairInit, [port1]);
    this.#b = new BaselineWorker(PORT_PAIR, { side: 'b', port: port2 } satisfies PortPairInit, [port2]);
  }

  async request(request: BaselineRequest): Promise<RunTiming> {
    await this.#b.request(request); // b sizes its actors and acknowledges before a kicks
    return this.#a.request(request);
  }

  async close(): Promise<void> {
    await Promise.all([this.#a.close(), this.#b.close()]);
  }
}
