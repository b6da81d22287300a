// The worker part of the `workflows` service: the WorkflowStarter a session reaches with
// ctx.service('workflows'). With Temporal configured it asks the node's front over this worker's
// port (the front owns the one gRPC client); without, it runs the activities here, on this worker's
// state store (the lore lands where the actors' state does), and reports the runs to the front.
// Worker-safe: nothing of @temporalio is loaded here.
import type { MessagePort } from 'node:worker_threads';
import { createLogger, GlassError, RESULT_WAIT_MS, RESULT_WORKFLOWS, WorkflowErrors, workflowStartOf, type WorkerServiceInit, type WorkflowStart, type WorkflowStartResult, type WorkflowStarter } from '../../runtime/index.js';
import { createGlassActivities } from './activities/glass-activities.js';
import { InProcessRunner } from './in-process-runner.js';
import { workflowConfig } from './workflow-config.js';
import { completeStart } from './workflow-inputs.js';
import { readFromFront, type ToFront } from './workflow-wire.js';

export const WORKFLOW_STARTER = { module: import.meta.url, export: 'createWorkflowStarterClient' } as const;

/** Starts one worker may have waiting on the front; one more is refused (GLASS_ERR_WORKFLOW_BUSY) and retried by its actor. */
export const MAX_PENDING_STARTS = 1_024;
/** Longest a start waits for the front's answer (Temporal's own deadline is shorter); a start of RESULT_WORKFLOWS waits for the run too. */
export const START_TIMEOUT_MS = 30_000;

interface Pending {
  resolve(r: WorkflowStartResult): void;
  reject(err: GlassError): void;
  timer: ReturnType<typeof setTimeout>;
}

export interface WorkflowStarterClient extends WorkflowStarter {
  readonly mode: 'temporal' | 'in-process';
  close(): Promise<void>;
}

export function createWorkflowStarterClient(init: WorkerServiceInit): WorkflowStarterClient {
  const config = workflowConfig(init.options);
  const port = init.port;
  const post = (m: ToFront): void => {
    if (port !== null && !closed) port.postMessage(m);
  };
  const pending = new Map<number, Pending>();
  let next = 0;
  let closed = false;
  if (config.temporal !== null && port === null) throw new GlassError(WorkflowErrors.UNAVAILABLE, 'services.workflows.main: the workflow front (WORKFLOW_FRONT) is needed with Temporal');
  let runner: InProcessRunner | null = null;
  if (config.temporal === null) {
    const log = createLogger('glass', 'info', { node: init.nodeId, thread: init.thread, component: 'workflows' });
    runner = new InProcessRunner(createGlassActivities({ store: init.store, log }), {
      maxRunning: config.maxRunning,
      onStart: (s) => post({ type: 'stat', event: 'start', lagMs: Date.now() - s.requestedAt, duplicate: false, ok: true }),
      onEnd: (_s, ok) => post({ type: 'stat', event: 'end', lagMs: 0, duplicate: false, ok }),
    });
  }
  if (port !== null) {
    port.on('message', (raw: unknown) => {
      const m = readFromFront(raw);
      if (m === null) return;
      const p = pending.get(m.id);
      if (p === undefined) return;
      pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.result);
      else p.reject(new GlassError(m.error.code, m.error.message));
    });
    // The port alone does not keep a worker alive.
    port.unref();
  }

  function viaFront(s: WorkflowStart): Promise<WorkflowStartResult> {
    if (pending.size >= MAX_PENDING_STARTS) return Promise.reject(new GlassError(WorkflowErrors.BUSY, `${pending.size} workflow starts pending on this worker`));
    const id = ++next;
    const waitMs = START_TIMEOUT_MS + (RESULT_WORKFLOWS.has(s.type) ? RESULT_WAIT_MS : 0);
    return new Promise<WorkflowStartResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new GlassError(WorkflowErrors.UNAVAILABLE, `the workflow front did not answer within ${waitMs} ms`));
      }, waitMs);
      timer.unref();
      pending.set(id, { resolve, reject, timer });
      post({ type: 'start', id, start: s });
    });
  }

  return {
    mode: config.temporal === null ? 'in-process' : 'temporal',
    async start(raw: WorkflowStart): Promise<WorkflowStartResult> {
      if (closed) throw new GlassError(WorkflowErrors.CLOSED, 'the workflow starter is closed');
      const s = completeStart(workflowStartOf(raw), config);
      if (runner === null) return viaFront(s);
      const r = await runner.start(s);
      if (r.status === 'already-started') post({ type: 'stat', event: 'start', lagMs: 0, duplicate: true, ok: true });
      return r;
    },
    async close(): Promise<void> {
      if (closed) return;
      runner?.close();
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        pending.delete(id);
        p.reject(new GlassError(WorkflowErrors.CLOSED, 'the workflow starter was closed with the start pending'));
      }
      closed = true;
      port?.close();
    },
  };
}
