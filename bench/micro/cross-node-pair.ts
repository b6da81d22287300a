// A pair of node processes of the cross-node scenario: node A (the pinger and its waiter, on one
// thread) and node B (the echo actors, one probe per worker), in a cluster of their own.
import { ECHO_KIND, PINGER_KIND, PROBE_KIND, WAITER_KIND } from './actors/cluster-actors.js';
import { REDIS_URL, deleteRunKeys, startNodes, waitMembers, type NodeProcess } from './cluster-helpers.js';

export interface PairActors {
  readonly pinger: string;
  readonly waiter: string;
  readonly targets: string[];
  readonly probes: string[];
}

export interface Pair {
  readonly prefix: string;
  readonly ids: readonly string[];
  readonly procs: readonly NodeProcess[];
  readonly actors: PairActors;
}

/** Starts a pair under `prefix` (node ids `<id>-a`, `<id>-b`), `env` added to both processes, and picks its actors. */
export async function startPair(name: string, prefix: string, workers: number, targets: number, env?: NodeJS.ProcessEnv): Promise<Pair> {
  const ids = [`xn-a-${name}-${process.pid}`, `xn-b-${name}-${process.pid}`];
  const procs = await startNodes([`node-a-${name}`, `node-b-${name}`], (_n, i) => ({ nodeId: ids[i], prefix, redisUrl: REDIS_URL, workers, store: null }), env);
  try {
    await waitMembers(procs, ids);
    return { prefix, ids, procs, actors: await pairActors(procs, ids, targets, workers) };
  } catch (err) {
    await Promise.allSettled(procs.map((p) => p.close(2_000)));
    throw err;
  }
}

/** Closes the pair's processes and deletes its Redis keys. */
export async function closePair(pair: Pair): Promise<void> {
  await Promise.allSettled(pair.procs.map((p) => p.close()));
  await deleteRunKeys(pair.prefix).catch(() => undefined);
}

/** The actors of one pair: the pinger and its waiter on A (one thread), the echo actors and one probe per worker on B. */
export async function pairActors(procs: readonly NodeProcess[], ids: readonly string[], count: number, workers: number): Promise<PairActors> {
  const [a, b] = procs;
  const [pinger] = await a.request<string[]>('pick', { kind: PINGER_KIND, prefix: 'pinger-', count: 1, node: ids[0] });
  const [pingerAt] = await a.request<{ node: string; thread: number }[]>('locate', { kind: PINGER_KIND, ids: [pinger] });
  const [waiter] = await a.request<string[]>('pick', { kind: WAITER_KIND, prefix: 'waiter-', count: 1, node: ids[0], thread: pingerAt.thread });
  const targets = await a.request<string[]>('pick', { kind: ECHO_KIND, prefix: 'echo-', count, node: ids[1] });
  const seenByB = await b.request<{ node: string }[]>('locate', { kind: ECHO_KIND, ids: targets });
  if (seenByB.some((l) => l.node !== ids[1])) throw new Error('nodes A and B do not agree on where the echo actors live');
  const probes: string[] = [];
  for (let t = 1; t <= workers; t++) probes.push(...(await b.request<string[]>('pick', { kind: PROBE_KIND, prefix: 'probe-', count: 1, node: ids[1], thread: t })));
  return { pinger, waiter, targets, probes };
}
