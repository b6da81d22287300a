// The in-process runner of the embedded default, the start's checks and ids, and the configuration.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InProcessRunner, NonRetryableActivityError, workflowConfig, workflowConfigFromEnv, describeWorkflowConfig, type GlassActivities } from '../../cluster/index.js';
import { consolidationWorkflowId, fanOutWorkflowId, checkRunnerWorkflowId, GlassError, WorkflowErrors, workflowStartOf, type WorkflowStart } from '../../runtime/index.js';

function activities(over: Partial<GlassActivities> = {}): GlassActivities & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    summariseTurn: async (i) => (calls.push(`summarise:${i.turn}`), { summary: 's', entities: [] }),
    writeLore: async (i) => (calls.push(`lore:${i.source}`), [`lore:${i.world}:x`]),
    runChecks: async () => (calls.push('checks'), []),
    notifyModerators: async (i) => void calls.push(`notify:${i.target}`),
    ...over,
  };
}

const consolidation = (turn: number): WorkflowStart => ({ type: 'storyConsolidation', id: consolidationWorkflowId('s-1', turn), input: { world: 'w', session: 's-1', turn }, requestedAt: 0 });

test('ids are deterministic and refuse what could not be a workflow id', () => {
  assert.equal(consolidationWorkflowId('tavern/child-2', 7), 'consolidate:tavern/child-2:7');
  assert.equal(checkRunnerWorkflowId('s', 0), 'checks:s:0');
  assert.equal(fanOutWorkflowId(42), 'fanout:42');
  for (const bad of [() => consolidationWorkflowId('a:b', 1), () => consolidationWorkflowId('', 1), () => consolidationWorkflowId('s', -1), () => fanOutWorkflowId(0), () => fanOutWorkflowId(1.5)]) {
    assert.throws(bad, { code: WorkflowErrors.INVALID });
  }
});

test('a start read back from a state or a port is checked: type, id, time, bounded input', () => {
  assert.deepEqual(workflowStartOf(consolidation(1)), consolidation(1));
  for (const bad of [null, [], { ...consolidation(1), type: 'rm -rf' }, { ...consolidation(1), id: 'a b' }, { ...consolidation(1), id: 'x'.repeat(401) }, { ...consolidation(1), requestedAt: -1 }, { ...consolidation(1), input: 'x'.repeat(70_000) }, { ...consolidation(1), input: 10n }]) {
    assert.throws(() => workflowStartOf(bad), { code: WorkflowErrors.INVALID }, JSON.stringify(bad, (_k, v) => (typeof v === 'bigint' ? 'bigint' : v))?.slice(0, 60));
  }
});

test('in process: the workflow\'s activities in order; a transient failure is retried after the backoff, a non-retryable one is not', async () => {
  const slept: number[] = [];
  let failures = 2;
  const a = activities({
    writeLore: async (i) => {
      if (failures-- > 0) throw new GlassError(WorkflowErrors.UNAVAILABLE, 'store down');
      a.calls.push(`lore:${i.source}`);
      return ['lore:w:x'];
    },
  });
  const runner = new InProcessRunner(a, { sleep: async (ms) => void slept.push(ms), retry: { minMs: 100, maxMs: 1_000, randomFactor: 0 } });
  assert.deepEqual(await runner.start(consolidation(1)), { id: 'consolidate:s-1:1', status: 'started', mode: 'in-process' });
  assert.deepEqual(a.calls, ['summarise:1', 'lore:s-1#1']);
  assert.deepEqual(slept, [100, 200], 'the server backoff, doubling');

  const refused = new InProcessRunner(activities({ runChecks: async () => Promise.reject(new NonRetryableActivityError(WorkflowErrors.INVALID, 'bad request')) }), { sleep: async (ms) => void slept.push(ms) });
  await assert.rejects(refused.start({ type: 'checkRunner', id: 'checks:s:1', input: {}, requestedAt: 0 }), { code: WorkflowErrors.INVALID });
  assert.equal(slept.length, 2, 'no retry of a non-retryable failure');

  const giveUp = new InProcessRunner(activities({ runChecks: async () => Promise.reject(new Error('down')) }), { maxAttempts: 3, sleep: async () => {} });
  await assert.rejects(giveUp.start({ type: 'checkRunner', id: 'checks:s:2', input: {}, requestedAt: 0 }), /down/);
});

test('in process: a duplicate start joins the running one or is answered already-started; past maxRunning it is refused BUSY', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const a = activities({ summariseTurn: async () => (await gate, { summary: '', entities: [] }) });
  const ends: boolean[] = [];
  const runner = new InProcessRunner(a, { maxRunning: 1, onEnd: (_s, ok) => ends.push(ok) });
  const first = runner.start(consolidation(1));
  const dup = runner.start(consolidation(1));
  assert.equal(runner.running, 1);
  await assert.rejects(runner.start(consolidation(2)), { code: WorkflowErrors.BUSY });
  release();
  assert.equal((await first).status, 'started');
  assert.equal((await dup).status, 'already-started');
  assert.equal((await runner.start(consolidation(1))).status, 'already-started', 'a finished id is remembered');
  assert.deepEqual(a.calls, ['lore:s-1#1']);
  assert.deepEqual(ends, [true]);
  runner.close();
  await assert.rejects(runner.start(consolidation(3)), { code: WorkflowErrors.CLOSED });
});

test('in process: a checkRunner start settles with its run\'s result, and a later duplicate with the same result; other types carry none', async () => {
  const rolled = [{ skill: 'athletics', roll: 9, modifier: 1, total: 10, difficulty: 12, outcome: 'failure' as const }];
  const a = activities({ runChecks: async () => (a.calls.push('checks'), rolled) });
  const runner = new InProcessRunner(a);
  const checks: WorkflowStart = { type: 'checkRunner', id: checkRunnerWorkflowId('s', 3), input: { session: 's', turn: 3, request: {} }, requestedAt: 0 };
  assert.deepEqual(await runner.start(checks), { id: 'checks:s:3', status: 'started', mode: 'in-process', result: { results: rolled } });
  assert.deepEqual(await runner.start(checks), { id: 'checks:s:3', status: 'already-started', mode: 'in-process', result: { results: rolled } });
  assert.deepEqual(a.calls, ['checks'], 'run once');
  assert.equal('result' in (await runner.start(consolidation(1))), false);
});

test('fan-out in process: one notification per target', async () => {
  const a = activities();
  await new InProcessRunner(a).start({ type: 'moderationFanOut', id: 'fanout:1', input: { notice: { auditId: 1 }, targets: ['log', 'https://h.example/x'] }, requestedAt: 0 });
  assert.deepEqual(a.calls.sort(), ['notify:https://h.example/x', 'notify:log']);
});

test('configuration: TEMPORAL_ADDRESS chooses Temporal; bad values are refused without echoing a webhook', () => {
  const embedded = workflowConfigFromEnv({});
  assert.equal(embedded.temporal, null);
  assert.match(describeWorkflowConfig(embedded), /^in process \(no TEMPORAL_ADDRESS/);
  const t = workflowConfigFromEnv({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_NAMESPACE: 'glass', GLASS_WORLD: 'frontier', GLASS_MODERATION_WEBHOOKS: 'https://hooks.example/a?token=s3cret' });
  assert.deepEqual(t.temporal, { address: 'temporal.internal:7233', namespace: 'glass', taskQueue: 'glass-workflows', connectTimeoutMs: 10_000 });
  assert.equal(t.world, 'frontier');
  assert.deepEqual(t.fanOutTargets, ['log', 'https://hooks.example/a?token=s3cret']);
  assert.doesNotMatch(describeWorkflowConfig(t), /s3cret/);
  assert.throws(() => workflowConfigFromEnv({ TEMPORAL_ADDRESS: 'http://x' }), { code: 'GLASS_ERR_INVALID_OPTION' });
  assert.throws(() => workflowConfigFromEnv({ GLASS_WORLD: 'Bad World' }), { code: 'GLASS_ERR_INVALID_OPTION' });
  assert.throws(() => workflowConfigFromEnv({ GLASS_MODERATION_WEBHOOKS: 'ftp://s3cret@x' }), (err: Error) => !err.message.includes('s3cret'));
  assert.throws(() => workflowConfig({ fanOutTargets: Array(17).fill('log') }), { code: 'GLASS_ERR_INVALID_OPTION' });
});

test('the port between a worker and the front: what is not a start, a stat or a reply is dropped or refused with its id', async () => {
  const { readToFront, readFromFront } = await import('../../cluster/workflows/workflow-wire.js');
  assert.equal(readToFront(null), null);
  assert.equal(readToFront({ type: 'start', id: 0, start: consolidation(1) }), null, 'no usable id: dropped');
  assert.deepEqual(readToFront({ type: 'start', id: 3, start: { ...consolidation(1), type: 'nope' } }), { invalid: 'type must be one of storyConsolidation, checkRunner, moderationFanOut', id: 3 });
  assert.deepEqual(readToFront({ type: 'start', id: 4, start: consolidation(2) }), { type: 'start', id: 4, start: consolidation(2) });
  assert.equal(readToFront({ type: 'stat', event: 'start', lagMs: 'x' }), null);
  assert.deepEqual(readFromFront({ id: 4, ok: true, result: { id: 'c', status: 'started', mode: 'temporal' } }), { id: 4, ok: true, result: { id: 'c', status: 'started', mode: 'temporal' } });
  assert.equal(readFromFront({ id: 4, ok: true, result: { id: 'c', status: 'maybe', mode: 'temporal' } }), null);
  assert.deepEqual(readFromFront({ id: 6, ok: true, result: { id: 'c', status: 'started', mode: 'temporal', result: { results: [] } } }), { id: 6, ok: true, result: { id: 'c', status: 'started', mode: 'temporal', result: { results: [] } } });
  const huge = readFromFront({ id: 7, ok: true, result: { id: 'c', status: 'started', mode: 'temporal', result: 'x'.repeat(70_000) } });
  assert.ok(huge !== null && huge.ok && !('result' in huge.result), 'a result past MAX_WORKFLOW_RESULT_BYTES is dropped, the reply kept');
  const long = readFromFront({ id: 5, ok: false, error: { code: 'X', message: 'm'.repeat(5_000) } });
  assert.ok(long !== null && !long.ok && long.error.message.length === 500);
});
