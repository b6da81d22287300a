import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COUCH_STATE_STORE_MODULE, NARRATOR_SERVICE, RULES_CLIENT, SAFETY_SERVICE, TURN_GRAPH_SERVICE, GAME_ACTORS, HASHRING_PLACEMENT, MEMORY_STORE, WORKER_SUPERVISOR, SCENE_CACHE_MODULE } from '../../cluster/worker-modules.js';
import { closure, distPath, importCycles, importGraph } from '../fixtures/import-graph.js';

// What a worker thread loads: its entry, and every module the node hands it by reference.
const WORKER_ROOTS = [
  'runtime/host/worker-entry.js',
  distPath(GAME_ACTORS),
  distPath(WORKER_SUPERVISOR.module),
  distPath(MEMORY_STORE.module),
  distPath(HASHRING_PLACEMENT.module),
  distPath(COUCH_STATE_STORE_MODULE),
  distPath(NARRATOR_SERVICE.module),
  distPath(RULES_CLIENT.module),
  distPath(SAFETY_SERVICE.module),
  distPath(TURN_GRAPH_SERVICE.module),
  distPath(SCENE_CACHE_MODULE.module),
];
const MAIN_THREAD_ONLY = ['runtime/node/', 'clients/', 'bench/', 'bin/'];

const leaks = (reached: Map<string, string[]>): string[] =>
  [...reached].filter(([file]) => MAIN_THREAD_ONLY.some((m) => file.startsWith(m))).map(([, chain]) => chain.join(' -> '));

describe('the compiled import graph', () => {
  const graph = importGraph();

  it('has no import cycle', () => {
    assert.ok(graph.size > 100, `read ${graph.size} compiled files`);
    assert.deepEqual(importCycles(graph), []);
  });

  it("holds nothing from runtime/node/, clients/, bench/ or bin/ in a worker's module closure", () => {
    for (const root of WORKER_ROOTS) assert.ok(graph.has(root), `${root} is compiled`);
    const reached = closure(graph, WORKER_ROOTS);
    assert.ok(reached.has('runtime/index.js') && reached.has('runtime/host/actor-host.js'), 'the closure follows imports');
    assert.deepEqual(leaks(reached), []);
  });

  it('would see a main-thread module reached from a root, and a cycle', () => {
    assert.ok(leaks(closure(graph, ['cluster/compose/compose-node.js'])).some((chain) => chain.endsWith('runtime/node/node.js')));
    const looped = new Map([['a.js', new Set(['b.js'])], ['b.js', new Set(['c.js'])], ['c.js', new Set(['a.js'])], ['d.js', new Set(['a.js'])]]);
    assert.deepEqual(importCycles(looped), [['a.js', 'b.js', 'c.js']]);
  });
});
