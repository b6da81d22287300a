import { narratorConfig } from '../../cluster/index.js';
import type { Progress } from '../support/progress.js';
import type { ScenarioResult } from '../support/report.js';
import type { OptionValues, Scenario } from '../support/scenario.js';
import { bareRunner, runBare } from './bare-side.js';
import { startRuntimeSide } from './runtime-side.js';
import { goalText, turnReport } from './turn-report.js';
import { runPreemptBare, runPreemptNode } from './preempt-side.js';
import { preemptGoalText, preemptReport } from './preempt-report.js';

/** `--pace`: none (every chunk one microtask after the last) or what `npm start` shows. */
const PACES = { '0': { firstChunkMs: 0, chunksPerSec: 0 }, real: { firstChunkMs: 300, chunksPerSec: 30 } } as const;
/** Unmeasured sessions (two turns each) on each side first: LangGraph's import on each worker, JIT. */
const WARMUP_SESSIONS = 20;
const WARMUP_TURNS = 2;

/**
 * Narrated turns end to end: N sessions with one player each over real WebSockets, each taking its
 * turns one after another on a node on the game's defaults (intake → rules on the piscina pool →
 * offline narrator → safety → commit, streamed as `narration` frames), against the same turn graph
 * run bare in the bench's thread (same narrator, the check model called directly, default safety
 * registry, a StoreCheckpointer over a MemoryStateStore) with the same N sessions and turns.
 * Latency is send of `turn` → `turn-committed` received (bare: run → outcome); throughput is
 * committed turns over the wall time of the measured run. The bare side runs first, then the
 * node's (each after its warm-up); both are in this process.
 */
export const turn: Scenario = {
  name: 'turn',
  summary: `narrated turns: sessions of one player over WebSockets on a node on the game's defaults (turn graph in the workers, rules pool, offline narrator) vs the same turn graph bare in one thread (goals: ${goalText('zero')}; ${goalText('real')}; ${preemptGoalText()})`,
  options: {
    sessions: { kind: 'int', default: 200, min: 1, max: 5_000, description: 'sessions, one player (one WebSocket) each, all at once' },
    turns: { kind: 'int', default: 5, min: 1, max: 1_000, description: 'turns per session, each after the previous one is committed' },
    pace: { kind: 'choice', default: '0', choices: ['0', 'real'], description: "the offline narrator's pace: 0 (no pacing) or real (first chunk 300 ms, 30 chunks/s)" },
    workers: { kind: 'int', default: 2, min: 1, max: 16, description: "worker threads of the node" },
    preempt: { kind: 'flag', default: 0, description: 'instead: each turn is cancelled by a moderator\'s narrate once its first chunk is out; times override → turn-cancelled (pace real)' },
  },
  run: runTurn,
};

async function runTurn(options: OptionValues, progress: Progress): Promise<ScenarioResult> {
  const sessions = options.sessions as number;
  const turns = options.turns as number;
  const pace = options.pace === 'real' ? 'real' : 'zero';
  const narrator = narratorConfig({ pace: PACES[options.pace as keyof typeof PACES] });
  const warmup = Math.min(WARMUP_SESSIONS, sessions);
  const runStarted = performance.now();
  // The offline narrator's pace timers are unref'd (systemClock): without a ref'd handle of the
  // bench's own, the bare side at pace real leaves the process nothing to wait on and it exits.
  const keepAlive = setInterval(() => undefined, 1_000);
  try {
    if (options.preempt === 1) return await measurePreempt(options, progress, sessions, turns, warmup, runStarted);
    return await measure(options, progress, sessions, turns, pace, narrator, warmup, runStarted);
  } finally {
    clearInterval(keepAlive);
  }
}

async function measure(
  options: OptionValues,
  progress: Progress,
  sessions: number,
  turns: number,
  pace: 'zero' | 'real',
  narrator: ReturnType<typeof narratorConfig>,
  warmup: number,
  runStarted: number,
): Promise<ScenarioResult> {

  progress.begin('bare turn graph: warm-up', warmup * WARMUP_TURNS);
  const runner = await bareRunner(narrator);
  await runBare(runner, 'warm', warmup, WARMUP_TURNS, () => progress.tick());
  progress.begin(`bare turn graph: ${sessions} sessions × ${turns} turns`, sessions * turns);
  const bare = await runBare(runner, 'bare', sessions, turns, () => progress.tick());

  progress.begin('starting the node and the gateway', 1);
  const side = await startRuntimeSide({ workers: options.workers as number, narrator, maxConnections: Math.max(warmup, sessions) });
  progress.tick();
  try {
    progress.begin('node + gateway: warm-up', warmup * WARMUP_TURNS);
    await side.run('warm', warmup, WARMUP_TURNS, () => progress.tick());
    progress.begin(`node + gateway: ${sessions} sessions × ${turns} turns`, sessions * turns);
    const ours = await side.run('s', sessions, turns, () => progress.tick());
    return turnReport({ sessions, turns, pace, workers: side.workers, ours, bare, runMs: Math.round(performance.now() - runStarted) });
  } finally {
    progress.begin('closing', 1);
    await side.close();
    progress.tick();
    progress.stop();
  }
}

/** `--preempt`: the turns are narrated at the real pace, so that each is still running when its override comes. */
async function measurePreempt(options: OptionValues, progress: Progress, sessions: number, turns: number, warmup: number, runStarted: number): Promise<ScenarioResult> {
  const narrator = narratorConfig({ pace: PACES.real });
  const runner = await bareRunner(narrator);
  progress.begin('bare turn graph: warm-up (pre-empted)', warmup);
  await runPreemptBare(runner, 'warm', warmup, 1, () => progress.tick());
  progress.begin(`bare turn graph: ${sessions} sessions × ${turns} pre-empted turns`, sessions * turns);
  const bare = await runPreemptBare(runner, 'bare', sessions, turns, () => progress.tick());
  progress.begin(`node: ${sessions} sessions × ${turns} pre-empted turns (after ${warmup} warm-up)`, sessions * turns + warmup);
  try {
    const workers = options.workers as number;
    const ours = await runPreemptNode({ workers, narrator, warmup, sessions, turns, onTurn: () => progress.tick() });
    return preemptReport({ sessions, turns, workers: ours.workers, ours, bare, runMs: Math.round(performance.now() - runStarted) });
  } finally {
    progress.stop();
  }
}
