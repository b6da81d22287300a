import type { GlassNode } from '../../runtime/node/index.js';
import { DRIVER_KIND, HOP_KIND, SendVia, type RunTiming } from './actors/bench-actors.js';
import { PortPair } from './baselines/baseline-worker.js';
import { idsOnThread, processed, startBenchNode, waitProcessed } from './bench-node.js';
import type { Progress } from '../support/progress.js';
import { alternate, ratioResult } from './rounds.js';
import { ROUND_OPTIONS, type OptionValues, type Scenario } from '../support/scenario.js';

const GOAL_RATIO = 0.7;
const ROUND_TIMEOUT_MS = 120_000;
/** The runtime's default maxBatch: the baseline posts batches of the same size. */
const DEFAULT_MAX_BATCH = 1024;

/**
 * Tells between actors on different workers. `actors` hop actors form pairs, one of each pair on
 * worker 1 and its partner on worker 2 (ids chosen with node.threadOf); `chains` chains bounce
 * between partners `hops` times. Ours: a node with two workers, timed on worker 1 from the kick
 * to the end of the last chain. Baseline: two worker threads posting the same messages over one
 * MessageChannel in flat batches of the same maximum size, in the same ping-pong pattern.
 */
export const crossWorker: Scenario = {
  name: 'cross-worker',
  summary: 'tells between actors on two workers vs raw batched MessagePort posting (goal: ratio >= 0.7)',
  options: {
    actors: { kind: 'int', default: 1_000, min: 2, max: 1_000_000, description: 'hop actors, half on each worker (pairs)' },
    chains: { kind: 'int', default: 4_096, min: 1, max: 1_000_000, description: 'chains in flight at once (4 full batches: both threads busy)' },
    hops: { kind: 'int', default: 149, min: 1, max: 100_000_000, description: 'hops per chain per round (rounded up to odd)' },
    'max-batch': { kind: 'int', default: DEFAULT_MAX_BATCH, min: 1, max: 65_536, description: 'most messages per post, both sides' },
    via: { kind: 'choice', default: SendVia.REF, choices: [SendVia.REF, SendVia.TELL], description: 'how an actor sends: cached typed ref, or ctx.tell(address)' },
    ...ROUND_OPTIONS,
  },
  run: runCrossWorker,
};

async function runCrossWorker(options: OptionValues, progress: Progress): Promise<ReturnType<typeof ratioResult>> {
  const pairs = Math.floor((options.actors as number) / 2);
  const chains = options.chains as number;
  // Chains start on worker 2 and must end on worker 1, where the driver counts them: odd hops.
  const hops = (options.hops as number) | 1;
  const maxBatch = options['max-batch'] as number;
  const via = options.via as SendVia;
  const expected = chains * (hops + 1);
  let node: GlassNode | null = null;
  let baseline: PortPair | null = null;
  try {
    progress.begin('starting', 2);
    node = await startBenchNode({ workers: 2, maxBatch });
    baseline = new PortPair();
    progress.tick();
    const left = idsOnThread(node, 1, pairs, 'p');
    const right = idsOnThread(node, 2, pairs, 'p');
    const [driverId] = idsOnThread(node, 1, 1, 'driver-');
    const before = await processed(node);
    for (let i = 0; i < pairs; i++) {
      node.tell({ kind: HOP_KIND, id: left[i] }, { type: 'link', next: right[i], via });
      node.tell({ kind: HOP_KIND, id: right[i] }, { type: 'link', next: left[i], via });
    }
    await waitProcessed(node, before + 2 * pairs, ROUND_TIMEOUT_MS);
    progress.tick();

    const starts = Array.from({ length: chains }, (_, c) => right[c % pairs]);
    const live = node;
    const pair = baseline;
    const ours = () => live.ask({ kind: DRIVER_KIND, id: driverId }, { type: 'start', starts, hops }, { timeoutMs: ROUND_TIMEOUT_MS }) as Promise<RunTiming>;
    const raw = () => pair.request({ actors: pairs, chains, hops, maxBatch });
    const outcome = await alternate(ours, raw, expected, options.rounds as number, options.warmup as number, progress);

    const deadLetters = node.deadLetters.count;
    if (deadLetters > 0) throw new Error(`${deadLetters} dead letters during the run: the figures are not valid`);
    return ratioResult('cross-worker', outcome, GOAL_RATIO, 'raw ports', { actors: pairs * 2, chains, hops, maxBatch, via });
  } finally {
    progress.stop();
    await Promise.allSettled([node?.close(), baseline?.close()]);
  }
}
