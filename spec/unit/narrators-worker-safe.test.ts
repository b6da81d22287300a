import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NARRATOR_SERVICE } from '../../cluster/narrators/index.js';
import { closure, distPath, importGraph } from '../fixtures/import-graph.js';

// Until cluster/worker-modules.ts lists NARRATOR_SERVICE (then import-graph.test.ts covers it).
describe('the narrator service a worker loads', () => {
  it('holds nothing from runtime/node/, clients/, bench/ or bin/', () => {
    const graph = importGraph();
    const root = distPath(NARRATOR_SERVICE.module);
    assert.ok(graph.has(root), `${root} is compiled`);
    const reached = closure(graph, [root]);
    assert.ok(reached.has('actors/session/offline-narrator.js') && reached.has('cluster/narrators/fallback-narrator.js'), 'the closure follows imports');
    const leaks = [...reached].filter(([f]) => ['runtime/node/', 'clients/', 'bench/', 'bin/'].some((m) => f.startsWith(m))).map(([, chain]) => chain.join(' -> '));
    assert.deepEqual(leaks, []);
  });
});
