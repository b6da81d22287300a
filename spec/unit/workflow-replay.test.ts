// Determinism without a Temporal server: the workflow code is bundled offline (bundleWorkflowCode,
// as a worker bundles it), and each committed history (spec/fixtures/workflow-histories/, written
// by make-histories.ts) is replayed against it with Worker.runReplayHistory. A deliberately altered
// copy of the workflows must fail the same replays with a DeterminismViolationError.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { loadTemporalWorker } from '../../cluster/index.js';
import { fixtureHistories } from '../fixtures/workflow-histories/make-histories.js';

const NAMES = ['story-consolidation', 'check-runner', 'moderation-fan-out'] as const;
const HISTORIES = new URL('../../../spec/fixtures/workflow-histories/', import.meta.url);
const ALTERED = fileURLToPath(new URL('../fixtures/workflow-histories/altered-workflows.js', import.meta.url));

function committed(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`${name}.json`, HISTORIES), 'utf8'));
}

describe('workflow histories replay against the workflow code', () => {
  let bundle: WorkflowBundleWithSourceMap;
  let altered: WorkflowBundleWithSourceMap;

  before(async () => {
    // The replay worker logs every violation at warn; the assertions below are what matters.
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
    const { WORKFLOWS_PATH } = await loadTemporalWorker();
    const logger = new DefaultLogger('ERROR');
    bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger });
    altered = await bundleWorkflowCode({ workflowsPath: ALTERED, logger });
  });

  test('the bundle is built offline and holds the three workflows', () => {
    for (const name of ['storyConsolidation', 'checkRunner', 'moderationFanOut']) assert.match(bundle.code, new RegExp(`\\b${name}\\b`));
    assert.doesNotMatch(bundle.code, /@temporalio\/client|node:worker_threads|pouchdb|ioredis/, 'only the workflow runtime and pure modules are bundled');
  });

  test('the committed histories are what make-histories.ts writes (regenerate them on purpose only)', () => {
    const made = fixtureHistories();
    for (const name of NAMES) assert.deepEqual(committed(name), JSON.parse(JSON.stringify(made[name].history)), name);
  });

  for (const name of NAMES) {
    test(`${name}: its history replays without a determinism violation`, async () => {
      const { workflowId } = fixtureHistories()[name];
      await Worker.runReplayHistory({ workflowBundle: bundle }, committed(name), workflowId);
    });

    test(`${name}: an altered workflow fails replay with DeterminismViolationError`, async () => {
      const { workflowId } = fixtureHistories()[name];
      await assert.rejects(Worker.runReplayHistory({ workflowBundle: altered }, committed(name), workflowId), (err: unknown) => {
        assert.ok(err instanceof DeterminismViolationError, `expected a DeterminismViolationError, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
        return true;
      });
    });
  }
});
