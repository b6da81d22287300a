import { defaultNodeOptions } from '../../cluster/index.js';
import { startNode, type GlassNode } from '../../runtime/node/index.js';
import { BENCH_ACTORS } from './actors/bench-actors.js';

/** Long enough that no actor is passivated during a run (the sweep would otherwise skew figures). */
const BENCH_IDLE_AFTER_MS = 3_600_000;

export interface BenchNodeOptions {
  workers: number;
  /** Also load the game's kinds (room, session). */
  withGameActors?: boolean;
  maxBatch?: number;
  /**
   * The node's blocked-worker watchdog (default on, as in production). The memory scenario turns it
   * off: it activates 100,000 actors in one burst, which on a loaded machine can hold a worker's loop
   * past the watchdog's 3 s, and a restarted worker measures nothing.
   */
  watchdog?: boolean;
}

/** A node on the embedded defaults (hashring placement, memory store) hosting the bench kinds. */
export function startBenchNode(options: BenchNodeOptions): Promise<GlassNode> {
  const defaults = defaultNodeOptions();
  return startNode({
    ...defaults,
    nodeId: `bench-${process.pid}`,
    actorModules: options.withGameActors === true ? [BENCH_ACTORS, ...defaults.actorModules] : [BENCH_ACTORS],
    workers: options.workers,
    idleAfterMs: BENCH_IDLE_AFTER_MS,
    logLevel: 'silent',
    ...(options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch }),
    ...(options.watchdog === false ? { blockedAfterMs: 0 } : {}),
  });
}

/**
 * `count` ids with `prefix` that the node's placement puts on `thread`, found by trying
 * `<prefix>0`, `<prefix>1`, … in order (deterministic for a given worker count).
 */
export function idsOnThread(node: GlassNode, thread: number, count: number, prefix: string): string[] {
  const ids: string[] = [];
  for (let i = 0; ids.length < count; i++) {
    if (i > count * node.options.workers * 64) throw new Error(`placement puts too few ids on thread ${thread}`);
    const id = `${prefix}${i}`;
    if (node.threadOf(id) === thread) ids.push(id);
  }
  return ids;
}

/** Sum of messages handled by every worker so far. */
export async function processed(node: GlassNode): Promise<number> {
  return (await node.stats()).reduce((sum, s) => sum + s.processed, 0);
}

/**
 * Waits until the workers have handled `target` messages in all, polling their stats; calls
 * `onPoll` with the count after each poll (progress). Throws after `timeoutMs`.
 */
export async function waitProcessed(node: GlassNode, target: number, timeoutMs: number, onPoll?: (count: number) => void): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const count = await processed(node);
    onPoll?.(count);
    if (count >= target) return count;
    if (performance.now() > deadline) throw new Error(`workers handled ${count} of ${target} messages within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
