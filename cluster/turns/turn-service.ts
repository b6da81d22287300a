// The `turns` service: what a session actor runs its turns with (ctx.service<TurnRunner>('turns')).
// Each worker composes the LangGraph turn graph from the node's `narrator`, `rules` and `safety`
// services (declared before it) and a checkpointer over the worker's own state store — the same
// store, and the same code path, as the actors' state. LangGraph is imported on the worker's first
// turn (actors/turn-graph.ts), not when the worker starts. Worker-safe.
import type { Narrator, RulesRunner, RunTurnOptions, SafetyCheck, TurnInput, TurnOutcome, TurnRunner } from '../../actors/index.js';
import { integerOption, MAX_TIMER_MS, SCENE_CACHE_SERVICE, type SceneCache, type WorkerServiceInit } from '../../runtime/index.js';

export interface TurnServiceOptions {
  /** Longest the rules step may take (ms); default the graph's (DEFAULT_RULES_TIMEOUT_MS). */
  rulesTimeoutMs?: number;
}

export const TURN_GRAPH_SERVICE = { module: import.meta.url, export: 'createTurnService' } as const;

export function createTurnService(init: WorkerServiceInit): TurnRunner {
  const options = (init.options ?? {}) as TurnServiceOptions;
  const rulesTimeoutMs = options.rulesTimeoutMs === undefined ? undefined : integerOption('services.turns.rulesTimeoutMs', options.rulesTimeoutMs, 1, MAX_TIMER_MS);
  const narrator = init.services.get<Narrator>('narrator');
  const rules = init.services.get<RulesRunner>('rules');
  const safety = init.services.get<SafetyCheck>('safety');
  // Optional: a node whose services name no scene cache runs its turns on the sessions' saved scenes.
  const sceneCache = init.services.has(SCENE_CACHE_SERVICE) ? init.services.get<SceneCache>(SCENE_CACHE_SERVICE) : undefined;
  // The budget gate may ask for the offline narrator alone (docs/BUDGETS.md): a second graph over
  // the same checkpointer (one turn at a time per session, so they never share a running thread).
  const offline = (narrator as Narrator & { offline?: Narrator }).offline ?? narrator;
  const graphs = new Map<Narrator, Promise<TurnRunner>>();
  const load = (n: Narrator): Promise<TurnRunner> => {
    let graph = graphs.get(n);
    if (graph === undefined) {
      graph = import('../../actors/turn-graph.js').then(({ createTurnGraph, createStoreCheckpointer }) =>
        createTurnGraph({ narrator: n, rules, safety, checkpointer: createStoreCheckpointer(init.store), ...(sceneCache !== undefined && { sceneCache }), ...(rulesTimeoutMs !== undefined && { rulesTimeoutMs }) }),
      );
      graphs.set(n, graph);
    }
    return graph;
  };
  return {
    async run(input: TurnInput, runOptions: RunTurnOptions): Promise<TurnOutcome> {
      return (await load(input.narrator === 'offline' ? offline : narrator)).run(input, runOptions);
    },
  };
}
