// Starts workflows on a Temporal cluster through @temporalio/client. Loaded only when TEMPORAL_ADDRESS
// is set, by the node's workflow front (main thread): importing the client and its gRPC stack costs
// a worker nothing it does not use. One connection per node. A start whose id exists — running or
// closed (REJECT_DUPLICATE) — is `already-started`: success, the id is deterministic. A start of
// RESULT_WORKFLOWS then waits for the run's close event (at most RESULT_WAIT_MS) and carries its result.
import { GlassError, RESULT_WAIT_MS, RESULT_WORKFLOWS, WorkflowErrors, workflowResultOf, type WorkflowStart, type WorkflowStartResult } from '../../runtime/index.js';
import type { TemporalConfig } from './workflow-config.js';

export interface TemporalStarter {
  start(start: WorkflowStart): Promise<WorkflowStartResult>;
  /** Workflows running on the task queue's namespace, as the cluster counts them. */
  countRunning(): Promise<number>;
  close(): Promise<void>;
}

export async function connectTemporalStarter(config: TemporalConfig): Promise<TemporalStarter> {
  const { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowFailedError } = await import('@temporalio/client');
  let connection;
  try {
    connection = await Connection.connect({ address: config.address, connectTimeout: config.connectTimeoutMs });
  } catch (err) {
    throw new GlassError(WorkflowErrors.UNAVAILABLE, `Temporal at ${config.address} is unreachable: ${(err as Error).message}`);
  }
  const client = new Client({ connection, namespace: config.namespace });
  // Aborts the result waits under way when the starter closes.
  const closing = new AbortController();

  /** The run's result once it closed; undefined if it failed (a result that never comes: the start is settled without one). */
  async function resultOf(id: string): Promise<unknown> {
    const signal = AbortSignal.any([closing.signal, AbortSignal.timeout(RESULT_WAIT_MS)]);
    try {
      return workflowResultOf(await client.withAbortSignal(signal, () => client.workflow.getHandle(id).result()));
    } catch (err) {
      if (err instanceof WorkflowFailedError) return undefined;
      // Unreachable, or no close within RESULT_WAIT_MS: the actor asks again later (already-started, then the result).
      throw new GlassError(WorkflowErrors.UNAVAILABLE, `no result of workflow ${id} yet: ${(err as Error).message}`.slice(0, 500));
    }
  }

  return {
    async start(s: WorkflowStart): Promise<WorkflowStartResult> {
      let status: WorkflowStartResult['status'] = 'started';
      try {
        await client.workflow.start(s.type, {
          taskQueue: config.taskQueue,
          workflowId: s.id,
          args: [s.input],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw new GlassError(WorkflowErrors.UNAVAILABLE, `Temporal did not take workflow ${s.id}: ${(err as Error).message}`.slice(0, 500));
        status = 'already-started';
      }
      if (!RESULT_WORKFLOWS.has(s.type)) return { id: s.id, status, mode: 'temporal' };
      const result = await resultOf(s.id);
      return result === undefined ? { id: s.id, status, mode: 'temporal' } : { id: s.id, status, mode: 'temporal', result };
    },
    async countRunning(): Promise<number> {
      const r = await connection.workflowService.countWorkflowExecutions({ namespace: config.namespace, query: `ExecutionStatus="Running" AND TaskQueue="${config.taskQueue}"` });
      return Number(r.count ?? 0);
    },
    async close(): Promise<void> {
      closing.abort();
      await connection.close();
    },
  };
}
