import type { GlassNode } from '../../runtime/node/index.js';
import { DRIVER_KIND, HOP_KIND, SendVia, type RunTiming } from './actors/bench-actors.js';
import { startRingLoop, type BaselineWorker } from './baselines/baseline-worker.js';
import { processed, startBenchNode, waitProcessed } from './bench-node.js';
import { alternate, ratioResult } from './rounds.js';
import { ROUND_OPTIONS, type OptionValues, type Scenario } from '../support/scenario.js';
import type { Progress } from '../support/progress.js';

const GOAL_RATIO = 0.5;
const ROUND_TIMEOUT_MS = 120_000;

/**
 * Tells between actors on one worker. `actors` hop actors form a ring; `chains` chains run at once,
 * each started at an evenly spaced actor and passed on `hops` times. Ours: a node with one worker,
 * measured inside the worker from the driver's kick to the end of the last chain. Baseline: a bare
 * ring-buffer dispatch loop doing the same hops in a worker thread of its own.
 */
export const inWorker: Scenario = {
  name: 'in-worker',
  summary: 'tells between actors on one worker vs a bare ring-buffer dispatch loop (goal: ratio >= 0.5)',
  options: {
    actors: { kind: 'int', default: 1_000, min: 1, max: 1_000_000, description: 'hop actors in the ring' },
    chains: { kind: 'int', default: 1_000, min: 1, max: 1_000_000, description: 'chains in flight at once' },
    hops: { kind: 'int', default: 2_000, min: 1, max: 100_000_000, description: 'hops per chain per round' },
    via: { kind: 'choice', default: SendVia.REF, choices: [SendVia.REF, SendVia.TELL], description: 'how an actor sends: cached typed ref, or ctx.tell(address)' },
    ...ROUND_OPTIONS,
  },
  run: runInWorker,
};

async function runInWorker(options: OptionValues, progress: Progress): Promise<ReturnType<typeof ratioResult>> {
  const actors = options.actors as number;
  const chains = options.chains as number;
  const hops = options.hops as number;
  const via = options.via as SendVia;
  const expected = chains * (hops + 1);
  let node: GlassNode | null = null;
  let baseline: BaselineWorker | null = null;
  try {
    progress.begin('starting', 2);
    node = await startBenchNode({ workers: 1 });
    baseline = startRingLoop();
    progress.tick();
    const ids = Array.from({ length: actors }, (_, i) => `h${i}`);
    const before = await processed(node);
    for (let i = 0; i < actors; i++) node.tell({ kind: HOP_KIND, id: ids[i] }, { type: 'link', next: ids[(i + 1) % actors], via });
    await waitProcessed(node, before + actors, ROUND_TIMEOUT_MS);
    progress.tick();

    const starts = Array.from({ length: chains }, (_, c) => ids[Math.floor((c * actors) / chains)]);
    const live = node;
    const ring = baseline;
    const ours = () => live.ask({ kind: DRIVER_KIND, id: 'driver' }, { type: 'start', starts, hops }, { timeoutMs: ROUND_TIMEOUT_MS }) as Promise<RunTiming>;
    const bare = () => ring.request({ actors, chains, hops, maxBatch: 0 });
    const outcome = await alternate(ours, bare, expected, options.rounds as number, options.warmup as number, progress);

    const deadLetters = node.deadLetters.count;
    if (deadLetters > 0) throw new Error(`${deadLetters} dead letters during the run: the figures are not valid`);
    return ratioResult('in-worker', outcome, GOAL_RATIO, 'ring loop', { actors, chains, hops, via });
  } finally {
    progress.stop();
    await Promise.allSettled([node?.close(), baseline?.close()]);
  }
}
