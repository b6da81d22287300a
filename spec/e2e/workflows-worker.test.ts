// `glass workflows worker` as a process, against a WorkflowService server this test owns
// (spec/fixtures/temporal-frontend.ts): it connects to TEMPORAL_ADDRESS, bundles the workflows,
// polls the task queue, runs an activity task the server hands it and reports the result over
// gRPC, and on SIGTERM drains and exits 0. What a real Temporal server would add (histories,
// retries, timers) is not played here: docs/WORKFLOWS.md.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { runChecks } from '../../actors/index.js';
import { FakeTemporalFrontend } from '../fixtures/temporal-frontend.js';

const GLASS = fileURLToPath(new URL('../../bin/glass.js', import.meta.url));
const payload = (value: unknown) => ({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(value)) });
const decode = (p: { data?: Uint8Array | null } | undefined) => JSON.parse(Buffer.from(p!.data!).toString('utf8'));

describe('glass workflows worker', () => {
  let frontend: FakeTemporalFrontend;
  let child: ChildProcess;
  let output = '';
  const request = { session: 'tavern-1', turn: 4, player: 'ann', text: 'I carefully climb the wall and search the loft', modifiers: {}, momentum: 0 };

  before(async () => {
    frontend = new FakeTemporalFrontend();
    const address = await frontend.listen();
    let handed = false;
    frontend.handlers.set('PollActivityTaskQueue', () => {
      if (handed) return new Promise((resolve) => setTimeout(() => resolve({}), 1_000).unref());
      handed = true;
      const now = { seconds: Math.floor(Date.now() / 1000), nanos: 0 };
      return {
        taskToken: Buffer.from('task-1'),
        workflowNamespace: 'default',
        workflowType: { name: 'checkRunner' },
        workflowExecution: { workflowId: 'checks:tavern-1:4', runId: 'run-1' },
        activityType: { name: 'runChecks' },
        activityId: '1',
        input: { payloads: [payload({ session: 'tavern-1', turn: 4, request })] },
        scheduledTime: now,
        startedTime: now,
        currentAttemptScheduledTime: now,
        attempt: 1,
        startToCloseTimeout: { seconds: 60 },
        scheduleToCloseTimeout: { seconds: 0 },
        heartbeatTimeout: { seconds: 0 },
      };
    });
    child = spawn(process.execPath, [GLASS, 'workflows', 'worker'], { env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: 'glass-test-queue', COUCHDB_URL: '', LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (output += d));
    child.stderr!.on('data', (d: Buffer) => (output += d));
  });

  after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await frontend.close();
  });

  test('polls its task queue, runs the activity it is handed and reports the result; SIGTERM drains it, exit 0', async () => {
    // Its normal queue (a worker also polls a sticky queue of its own, named after the process).
    const poll = await frontend.called<{ namespace: string; taskQueue: { name: string } }>('PollWorkflowTaskQueue', (r) => r.taskQueue.name === 'glass-test-queue');
    assert.equal(poll.namespace, 'default');
    await frontend.called<{ taskQueue: { name: string } }>('PollActivityTaskQueue', (r) => r.taskQueue.name === 'glass-test-queue');
    const done = await frontend.called<{ taskToken: Uint8Array; result: { payloads: { data: Uint8Array }[] } }>('RespondActivityTaskCompleted');
    assert.equal(Buffer.from(done.taskToken).toString(), 'task-1');
    assert.deepEqual(decode(done.result.payloads[0]), runChecks(request));
    assert.match(output, /Temporal worker polling/);
    assert.match(output, /no COUCHDB_URL/);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, output.slice(-2000));
    assert.ok(frontend.methods.some((m) => m.name === 'ShutdownWorker'), 'the worker told the server it stopped');
  });
});
