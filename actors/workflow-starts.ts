// Workflow starts kept with an actor's outgoing messages. A handler that wants a workflow records
// the start in its state (saved with the rest of the handler's effects) and tells itself
// `workflow-release`; for an `every-message` kind that tell is parked in the cell's outbox and
// released only once the state is saved (runtime/host/outbox.ts), so the start leaves with the
// actor's other messages, never before the state that asks for it. The start itself runs detached
// on the `workflows` service; `workflow-started` then removes it from the state.
//
// A crash before the save: neither the state nor the start exist (the turn is resumed and asks
// again, under the same id). A crash after the save, before or during the start: the start is still
// in the state, and the activation releases it again. A second start of the same id (a redelivery,
// a release racing an activation) is answered `already-started`, which counts as success: the
// workflow ids are deterministic (runtime/workflow-starter.ts).
//
// A start of RESULT_WORKFLOWS settles only once its run has ended, with the run's result: it stays in
// the state until then (a crash asks again: already-started, then the closed run's result), and the
// kind's `onResult` (workflowHandlers) hears the result in the same handler that removes the start.
import { GlassError, RESULT_WORKFLOWS, WORKFLOW_SERVICE, WorkflowErrors, workflowResultOf, workflowStartOf, type WorkflowStart, type WorkflowStarter } from '../runtime/index.js';
import { backoffDelayMs, type BackoffPolicy } from '../supervisors/index.js';
import type { ActorContext } from './define-actor.js';

/** Starts an actor may have waiting; past it the oldest is dropped (Temporal down for that long). */
export const MAX_PENDING_WORKFLOWS = 32;

/** The part of an actor's state that holds its starts not yet acknowledged. */
export interface PendingWorkflows {
  workflows?: WorkflowStart[];
}

export type WorkflowReleaseMessage = { type: 'workflow-release' };
export type WorkflowStartedMessage = { type: 'workflow-started'; id: string; dropped?: string; result?: unknown };

/** Told a RESULT_WORKFLOWS run's result (hostile: check its shape), in the handler that removes its start from the state. */
export type WorkflowResultHook<S extends PendingWorkflows> = (ctx: ActorContext<S>, start: WorkflowStart, result: unknown) => void;

/** Retries of a start the service could not take (Temporal unreachable). */
const RETRY: BackoffPolicy = { minMs: 500, maxMs: 60_000, randomFactor: 0.2 };

// Starts this worker has in flight, by actor key then workflow id: a release that arrives while one
// is in flight does not start it twice in parallel. `failures`: failed attempts of a start (for its backoff).
const inFlight = new Map<string, Set<string>>();
const failures = new Map<string, number>();

/**
 * Records `start` in the state and parks the release. Idempotent per workflow id: a handler that
 * runs again (a resumed turn committing once) records it once.
 */
export function requestWorkflow(ctx: ActorContext<PendingWorkflows>, start: WorkflowStart): void {
  const pending = pendingOf(ctx, true);
  if (pending.some((p) => p.id === start.id)) return;
  pending.push(start);
  if (pending.length > MAX_PENDING_WORKFLOWS) pending.shift();
  ctx.tell(ctx.self, { type: 'workflow-release' } satisfies WorkflowReleaseMessage);
}

/** On activation: what a previous activation recorded and never saw acknowledged is released again. */
export function resumeWorkflows(ctx: ActorContext<PendingWorkflows>): void {
  if (pendingOf(ctx).length > 0) ctx.tell(ctx.self, { type: 'workflow-release' } satisfies WorkflowReleaseMessage);
}

/**
 * Handlers every kind that uses requestWorkflow spreads into its own (`workflow-release` is
 * read-only); `onResult` hears the results of its RESULT_WORKFLOWS starts.
 */
export function workflowHandlers<S extends PendingWorkflows>(onResult?: WorkflowResultHook<S>) {
  return {
    'workflow-release'(ctx: ActorContext<S>, _msg: WorkflowReleaseMessage) {
      const pending = pendingOf(ctx);
      if (pending.length === 0) return {};
      let starter: WorkflowStarter;
      try {
        starter = ctx.service<WorkflowStarter>(WORKFLOW_SERVICE);
      } catch {
        // A node without the service keeps the starts: a node that has it will release them.
        return {};
      }
      const key = `${ctx.self.kind}:${ctx.self.id}`;
      const mine = inFlight.get(key) ?? new Set<string>();
      inFlight.set(key, mine);
      for (const start of pending) {
        if (mine.has(start.id)) continue;
        mine.add(start.id);
        run(ctx, starter, key, mine, start);
      }
      return {};
    },

    'workflow-started'(ctx: ActorContext<S>, msg: WorkflowStartedMessage) {
      const pending = pendingOf(ctx);
      if (typeof msg?.id !== 'string') return { removed: false };
      const i = pending.findIndex((p) => p.id === msg.id);
      if (i < 0) return { removed: false };
      const [start] = pending.splice(i, 1);
      if (pending.length === 0) delete ctx.state.workflows;
      if (onResult !== undefined && msg.dropped === undefined && RESULT_WORKFLOWS.has(start.type)) onResult(ctx, start, workflowResultOf(msg.result));
      return { removed: true };
    },
  } as const;
}

/** The handlers of a kind with no result hook. */
export const WORKFLOW_HANDLERS = workflowHandlers();

/** The pending starts as saved; a saved value that is not a list (read back from the store: hostile) starts over empty. */
function pendingOf(ctx: ActorContext<PendingWorkflows>, create = false): WorkflowStart[] {
  const w = ctx.state.workflows;
  if (Array.isArray(w)) return w;
  if (!create) return [];
  return (ctx.state.workflows = []);
}

function run(ctx: ActorContext<PendingWorkflows>, starter: WorkflowStarter, key: string, mine: Set<string>, start: WorkflowStart): void {
  const self = ctx.self;
  const failed = `${key}|${start.id}`;
  const forget = (): void => {
    mine.delete(start.id);
    if (mine.size === 0 && inFlight.get(key) === mine) inFlight.delete(key);
  };
  let attempt: Promise<unknown>;
  try {
    attempt = starter.start(workflowStartOf(start));
  } catch (err) {
    attempt = Promise.reject(err);
  }
  attempt.then(
    (r) => {
      forget();
      failures.delete(failed);
      const result = (r as { result?: unknown } | undefined)?.result;
      ctx.tell(self, (result === undefined ? { type: 'workflow-started', id: start.id } : { type: 'workflow-started', id: start.id, result }) satisfies WorkflowStartedMessage);
    },
    (err: unknown) => {
      const code = err instanceof GlassError ? err.code : undefined;
      if (code === WorkflowErrors.INVALID) {
        // Never valid, whatever the retries: dropped (a saved state that was tampered with, say).
        forget();
        failures.delete(failed);
        ctx.tell(self, { type: 'workflow-started', id: start.id, dropped: code } satisfies WorkflowStartedMessage);
        return;
      }
      const n = failures.get(failed) ?? 0;
      // Bounded: one entry per pending start of this worker's actors.
      failures.set(failed, n + 1);
      const timer = setTimeout(() => {
        forget();
        ctx.tell(self, { type: 'workflow-release' } satisfies WorkflowReleaseMessage);
      }, backoffDelayMs(RETRY, n));
      timer.unref();
    },
  );
}
