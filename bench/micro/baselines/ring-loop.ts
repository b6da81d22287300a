// Baseline of the in-worker scenario, run as a worker thread: a bare ring-buffer dispatch loop.
// The same work as the runtime's hop chains (same actor count, same `{ type: 'hop', n }` message
// objects, a handler looked up by message type that counts and enqueues the next hop) with nothing
// else: no envelopes, no mailboxes, no scheduling, no sequencing.
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { HopMessage, RunTiming } from '../actors/bench-actors.js';
import type { BaselineRequest } from './baseline-worker.js';

interface BareActor {
  readonly id: number;
  readonly state: { count: number };
  readonly handlers: Record<string, (self: BareActor, msg: any) => void>;
  next: BareActor | null;
}

/**
 * (target, message) pairs in one flat array: slot 2i is the target, 2i+1 the message. Capacity is
 * a power of two and doubles when full, so a warm loop allocates only the messages themselves.
 */
class PairRing {
  #slots: unknown[] = new Array(2048).fill(undefined);
  #mask = 1023;
  #head = 0;
  size = 0;

  push(target: BareActor, msg: HopMessage): void {
    if (this.size > this.#mask) this.#grow();
    const at = ((this.#head + this.size) & this.#mask) << 1;
    this.#slots[at] = target;
    this.#slots[at + 1] = msg;
    this.size++;
  }

  /** Dispatches every queued pair, including the ones handlers enqueue meanwhile. */
  drain(): void {
    while (this.size > 0) {
      const at = this.#head << 1;
      const target = this.#slots[at] as BareActor;
      const msg = this.#slots[at + 1] as HopMessage;
      this.#slots[at] = undefined;
      this.#slots[at + 1] = undefined;
      this.#head = (this.#head + 1) & this.#mask;
      this.size--;
      target.handlers[msg.type](target, msg);
    }
  }

  #grow(): void {
    const pairs = this.#mask + 1;
    const next = new Array(pairs * 4).fill(undefined);
    for (let i = 0; i < this.size; i++) {
      const from = ((this.#head + i) & this.#mask) << 1;
      next[i << 1] = this.#slots[from];
      next[(i << 1) + 1] = this.#slots[from + 1];
    }
    this.#slots = next;
    this.#mask = pairs * 2 - 1;
    this.#head = 0;
  }
}

const ring = new PairRing();
let ended = 0;

const handlers: Record<string, (self: BareActor, msg: any) => void> = Object.assign(Object.create(null), {
  hop(self: BareActor, msg: HopMessage): void {
    self.state.count++;
    if (msg.n === 0) {
      ended++;
      return;
    }
    ring.push(self.next!, { type: 'hop', n: msg.n - 1 });
  },
});

let actors: BareActor[] = [];

function ensureActors(count: number): void {
  if (actors.length === count) return;
  actors = Array.from({ length: count }, (_, id) => ({ id, state: { count: 0 }, handlers, next: null }));
  for (let i = 0; i < count; i++) actors[i].next = actors[(i + 1) % count];
}

function runOnce(request: BaselineRequest): RunTiming {
  ensureActors(request.actors);
  ended = 0;
  const startedAt = performance.now();
  for (let c = 0; c < request.chains; c++) {
    ring.push(actors[Math.floor((c * request.actors) / request.chains)], { type: 'hop', n: request.hops });
  }
  ring.drain();
  return { chains: ended, handled: ended * (request.hops + 1), elapsedMs: performance.now() - startedAt };
}

parentPort!.on('message', (request: BaselineRequest) => parentPort!.postMessage(runOnce(request)));
