import type { GlassNode } from '../../runtime/node/index.js';
import { IDLE_KIND } from './actors/bench-actors.js';
import { processed, startBenchNode, waitProcessed } from './bench-node.js';
import type { Progress } from '../support/progress.js';
import { median, type ScenarioResult } from '../support/report.js';
import type { OptionValues, Scenario } from '../support/scenario.js';

const GOAL_BYTES = 512;
const ACTIVATION_TIMEOUT_MS = 120_000;

interface Kind {
  readonly label: string;
  readonly kind: string;
  readonly msg: { readonly type: string };
  readonly count: number;
}

/**
 * Idle actors on one worker: the worker's heap after a forced GC, before and after activating N
 * actors (each told one tiny message, then left quiet), divided by N. Each measurement runs on a
 * fresh node so that one kind's maps and queues do not pay for another's. The bench kind has a
 * small realistic state ({ count }); the game's `room` kind is measured too, at a smaller N.
 */
export const memory: Scenario = {
  name: 'memory',
  summary: 'heap bytes per idle actor on one worker (goal: <= 512 bytes at 100,000 actors)',
  options: {
    actors: { kind: 'int', default: 100_000, min: 1_000, max: 5_000_000, description: 'idle bench actors to activate' },
    'room-actors': { kind: 'int', default: 10_000, min: 0, max: 1_000_000, description: "idle game rooms to activate (0: skip)" },
    rounds: { kind: 'int', default: 3, min: 1, max: 25, description: 'fresh-node measurements of each kind; the median is reported' },
  },
  run: runMemory,
};

/** Heap of the node's only worker after a full GC (twice: the first may leave finalised garbage). */
async function workerHeap(node: GlassNode): Promise<number> {
  const control = node.workers[0].control;
  await control.heapUsed();
  return control.heapUsed();
}

async function measure(kind: Kind, progress: Progress, round: number): Promise<number> {
  const node = await startBenchNode({ workers: 1, withGameActors: true, watchdog: false });
  try {
    if ((globalThis as { gc?: unknown }).gc === undefined) throw new Error('run with node --expose-gc (npm run bench does): heapUsed needs gc()');
    const before = await processed(node);
    const heapBefore = await workerHeap(node);
    progress.begin(`${kind.label} round ${round}`, kind.count);
    for (let i = 0; i < kind.count; i++) node.tell({ kind: kind.kind, id: `m${i}` }, kind.msg);
    await waitProcessed(node, before + kind.count, ACTIVATION_TIMEOUT_MS, (count) => progress.update(count - before));
    const heapAfter = await workerHeap(node);
    const stats = await node.stats();
    if (stats[0].actors < kind.count) throw new Error(`only ${stats[0].actors} of ${kind.count} ${kind.kind} actors are active`);
    if (node.deadLetters.count > 0) throw new Error(`${node.deadLetters.count} dead letters while activating ${kind.kind}`);
    return (heapAfter - heapBefore) / kind.count;
  } finally {
    await node.close();
  }
}

async function runMemory(options: OptionValues, progress: Progress): Promise<ScenarioResult> {
  const rounds = options.rounds as number;
  const kinds: Kind[] = [{ label: IDLE_KIND, kind: IDLE_KIND, msg: { type: 'touch' }, count: options.actors as number }];
  const roomCount = options['room-actors'] as number;
  if (roomCount > 0) kinds.push({ label: 'room', kind: 'room', msg: { type: 'members' }, count: roomCount });
  const perKind = kinds.map(() => [] as number[]);
  try {
    for (let r = 1; r <= rounds; r++) {
      for (let k = 0; k < kinds.length; k++) perKind[k].push(await measure(kinds[k], progress, r));
    }
  } finally {
    progress.stop();
  }
  const bytes = perKind.map((values) => Math.round(median(values)));
  const [bytesPerActor, roomBytesPerActor] = bytes;
  const rows = kinds.map((k, i) => [k.kind, k.count, ...perKind[i].map(Math.round), bytes[i]]);
  return {
    figures: {
      scenario: 'memory',
      actors: kinds[0].count,
      bytesPerActor,
      ...(roomCount > 0 ? { roomActors: roomCount, roomBytesPerActor } : {}),
      rounds,
      bytesPerRound: perKind[0].map(Math.round),
    },
    goal: `bytesPerActor <= ${GOAL_BYTES} at ${kinds[0].count} actors`,
    goalMet: bytesPerActor <= GOAL_BYTES,
    table: { head: ['kind', 'actors', ...Array.from({ length: rounds }, (_, i) => `round ${i + 1} B`), 'median B/actor'], rows },
    bars: [...kinds.map((k, i) => ({ label: k.kind, value: bytes[i] })), { label: 'goal', value: GOAL_BYTES }],
    unit: 'bytes/actor',
  };
}
