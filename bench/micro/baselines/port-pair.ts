// Baseline of the cross-worker scenario, run as two worker threads: raw batched MessagePort posting
// of the same messages. Each side hosts one actor of every pair; a hop is handled by counting and
// sending `{ type: 'hop', n: n - 1 }` to the partner on the other side. Messages travel as flat
// arrays [actorIndex, message, actorIndex, message, …], posted once per received batch or when a
// batch reaches the runtime's maxBatch, as the runtime's PortLink does; nothing else is carried.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { HopMessage, RunTiming } from '../actors/bench-actors.js';
import type { BaselineRequest, PortPairInit } from './baseline-worker.js';

interface BareActor {
  readonly index: number;
  readonly state: { count: number };
}

const { side, port } = workerData as PortPairInit;
let actors: BareActor[] = [];
let maxFields = 2048;
let out: unknown[] = [];

const run = {
  expected: 0,
  ended: 0,
  hops: 0,
  startedAt: 0,
};

function send(partner: number, msg: HopMessage): void {
  out.push(partner, msg);
  if (out.length >= maxFields) flush();
}

function flush(): void {
  if (out.length === 0) return;
  const batch = out;
  out = [];
  port.postMessage(batch);
}

const handlers: Record<string, (self: BareActor, msg: any) => void> = Object.assign(Object.create(null), {
  hop(self: BareActor, msg: HopMessage): void {
    self.state.count++;
    if (msg.n === 0) return chainEnded();
    send(self.index, { type: 'hop', n: msg.n - 1 });
  },
});

function chainEnded(): void {
  run.ended++;
  if (run.ended !== run.expected) return;
  const timing: RunTiming = { chains: run.ended, handled: run.ended * (run.hops + 1), elapsedMs: performance.now() - run.startedAt };
  parentPort!.postMessage(timing);
}

port.on('message', (batch: unknown[]) => {
  for (let i = 0; i < batch.length; i += 2) {
    const self = actors[batch[i] as number];
    const msg = batch[i + 1] as HopMessage;
    handlers[msg.type](self, msg);
  }
  flush();
});

parentPort!.on('message', (request: BaselineRequest) => {
  if (actors.length !== request.actors) {
    actors = Array.from({ length: request.actors }, (_, index) => ({ index, state: { count: 0 } }));
  }
  maxFields = request.maxBatch * 2;
  if (side === 'b') {
    parentPort!.postMessage({ chains: 0, handled: 0, elapsedMs: 0 } satisfies RunTiming);
    return;
  }
  // Chains start on b (n = hops) and, hops being odd, end on a, where they are counted.
  run.expected = request.chains;
  run.ended = 0;
  run.hops = request.hops;
  run.startedAt = performance.now();
  for (let c = 0; c < request.chains; c++) send(c % request.actors, { type: 'hop', n: request.hops });
  flush();
});
