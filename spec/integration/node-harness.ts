import { HASHRING_PLACEMENT, WORKER_SUPERVISOR } from '../../cluster/worker-modules.js';
import { type DeadLetter } from '../../runtime/index.js';
import { startNode, type GlassNode, type NodeOptions } from '../../runtime/node/index.js';

export const TEST_ACTORS = new URL('../fixtures/probe-actors.js', import.meta.url).href;

/** A real node with two worker threads hosting the fixture kinds. */
export function startTestNode(overrides: Partial<NodeOptions> = {}): Promise<GlassNode> {
  return startNode({
    actorModules: [TEST_ACTORS],
    placement: HASHRING_PLACEMENT,
    supervisor: WORKER_SUPERVISOR,
    workers: 2,
    logLevel: 'silent',
    nodeId: 'itest',
    ...overrides,
  });
}

/** `count` ids of the form `<prefix>-<i>` that the node places on `thread`. */
export function idsOnThread(node: GlassNode, thread: number, prefix: string, count: number): string[] {
  const ids: string[] = [];
  for (let i = 0; ids.length < count; i++) {
    if (i > 100_000) throw new Error(`no ${count} ids on thread ${thread}`);
    const id = `${prefix}-${i}`;
    if (node.threadOf(id) === thread) ids.push(id);
  }
  return ids;
}

/** Resolves with the first `count` dead letters recorded from now on that match. */
export function deadLetters(node: GlassNode, count: number, match: (l: DeadLetter) => boolean): Promise<DeadLetter[]> {
  return new Promise((resolve) => {
    const seen: DeadLetter[] = [];
    const unsubscribe = node.deadLetters.subscribe((l) => {
      if (!match(l)) return;
      seen.push(l);
      if (seen.length === count) {
        unsubscribe();
        resolve(seen);
      }
    });
  });
}

/**
 * Awaits `probe` until it returns true: each round is a round trip to the workers, so this waits
 * on the workers' own progress (e.g. an idle sweep), bounded by a deadline rather than a guess.
 */
export async function until(probe: () => Promise<boolean>, what: string, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}
