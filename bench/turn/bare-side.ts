// The baseline of the turn scenario: the same LangGraph turn graph the workers run, bare, in the
// bench's own thread: the same narrator (createNarratorService over the same config), the check
// model run directly (a RulesRunner that calls runChecks: no pool hop), the default safety
// registry and a StoreCheckpointer over a MemoryStateStore. N "sessions" run concurrently, each
// its turns one after another, the way the session actor runs them (scene and recent turns carried).
import { defaultSafetyRegistry, EMPTY_SCENE, runChecks, type RecentTurn, type RulesRunner, type Scene, type TurnRunner } from '../../actors/index.js';
import { createStoreCheckpointer, createTurnGraph } from '../../actors/turn-graph.js';
import { createNarratorService, type NarratorConfig } from '../../cluster/index.js';
import { MemoryStateStore } from '../../runtime/index.js';
import { Latencies } from './latency.js';
import { countFailure, type SideResult } from './side-result.js';
import { turnText } from './turn-texts.js';

/** As the session actor: the last five narrated turns go into the next prompt. */
const RECENT_TURNS = 5;

const directRules: RulesRunner = {
  check: async (request) => runChecks(request),
  close: async () => undefined,
};

/** One compiled graph (one per call: a fresh checkpointer and store). */
export async function bareRunner(narrator: NarratorConfig): Promise<TurnRunner> {
  return createTurnGraph({
    narrator: await createNarratorService({ options: narrator }),
    rules: directRules,
    safety: defaultSafetyRegistry(),
    checkpointer: createStoreCheckpointer(new MemoryStateStore()),
  });
}

/**
 * `sessions` sessions named `<prefix>-<i>` with player `p<i>`, each taking `turns` turns one
 * after another; all sessions at once. `onTurn` is called after every settled turn.
 */
export async function runBare(runner: TurnRunner, prefix: string, sessions: number, turns: number, onTurn: () => void = () => undefined): Promise<SideResult> {
  const latency = new Latencies();
  const failed: Record<string, number> = {};
  let committed = 0;
  let chunks = 0;
  const onEvent = (e: { type: string }): void => {
    if (e.type === 'chunk') chunks++;
  };
  const session = async (i: number): Promise<void> => {
    const id = `${prefix}-${i}`;
    let scene: Scene = EMPTY_SCENE;
    const recent: RecentTurn[] = [];
    for (let turn = 1; turn <= turns; turn++) {
      const text = turnText(i, turn);
      const signal = new AbortController().signal;
      const started = performance.now();
      try {
        const outcome = await runner.run(
          { session: id, turn, player: `p${i}`, text, scene, recent: [...recent], modifiers: {}, moderation: { paused: false, muted: false, locked: false, member: true } },
          { signal, onEvent },
        );
        if (outcome.status === 'committed') {
          latency.record(performance.now() - started);
          committed++;
          scene = outcome.scene;
          recent.push({ player: `p${i}`, text, narration: outcome.narration });
          if (recent.length > RECENT_TURNS) recent.shift();
        } else {
          countFailure(failed, outcome.code);
        }
      } catch (err) {
        countFailure(failed, (err as { code?: string }).code ?? 'thrown');
      }
      onTurn();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: sessions }, (_, i) => session(i)));
  const wallMs = performance.now() - started;
  if (committed > 0 && chunks === 0) throw new Error('the bare graph committed turns without a narration chunk');
  return { committed, failed, wallMs, latency };
}
