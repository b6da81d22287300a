// Starts workflows on a Temporal cluster through @temporalio/client. Loaded only when TEMPORAL_ADDRESS
// is set, by the node's workflow front (main thread): importing the client and its gRPC stack costs
// a worker nothing it does not use. One connection per node. A start whose id exists — running or
// closed (REJECT_DUPLICATE) — is `already-started`: success, the id is deterministic.
import { GlassError, WorkflowErrors, type WorkflowStart, type WorkflowStartResult } from '../../runtime/index.js';
import type { TemporalConfig } from './workflow-config.js';

export interface TemporalStarter {
  start(start: WorkflowStart): Promise<WorkflowStartResult>;
  /** Workflows running on the task queue's namespace, as the cluster counts them. */
  countRunning(): Promise<number>;
  close(): Promise<void>;
}

export async function connectTemporalStarter(config: TemporalConfig): Promise<TemporalStarter> {
  const { Client, Connection, WorkflowExecutionAlreadyStartedError } = await import('@temporalio/client');
  let connection;
  try {
    connection = await Connection.connect({ address: config.address, connectTimeout: config.connectTimeoutMs });
  } catch (err) {
    throw new GlassError(WorkflowErrors.UNAVAILABLE, `Temporal at ${config.address} is unreachable: ${(err as Error).message}`);
  }
  const client = new Client({ connection, namespace: config.namespace });
  return {
    async start(s: WorkflowStart): Promise<WorkflowStartResult> {
      try {
        await client.workflow.start(s.type, {
          taskQueue: config.taskQueue,
          workflowId: s.id,
          args: [s.input],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
        return { id: s.id, status: 'started', mode: 'temporal' };
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return { id: s.id, status: 'already-started', mode: 'temporal' };
        throw new GlassError(WorkflowErrors.UNAVAILABLE, `Temporal did not take workflow ${s.id}: ${(err as Error).message}`.slice(0, 500));
      }
    },
    async countRunning(): Promise<number> {
      const r = await connection.workflowService.countWorkflowExecutions({ namespace: config.namespace, query: `ExecutionStatus="Running" AND TaskQueue="${config.taskQueue}"` });
      return Number(r.count ?? 0);
    },
    async close(): Promise<void> {
      await connection.close();
    },
  };
}
