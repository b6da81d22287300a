// The node's workflow front: the main-thread part of the `workflows` service. With TEMPORAL_ADDRESS
// it owns the node's one Temporal client (loaded on the first start, temporal-starter.ts) and starts
// what the workers ask over their ports; without it, workers run the activities themselves and only
// report here. Either way it keeps the numbers of the seed's Temporal signals (workflow-stats.ts),
// and main-thread callers (the moderation desk) start through it: node.mainService('workflows').
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { createLogger, GlassError, WorkflowErrors, workflowStartOf, type MainService, type MainServiceInit, type WorkflowStart, type WorkflowStartResult, type WorkflowStarter } from '../../runtime/index.js';
import { createGlassActivities } from './activities/glass-activities.js';
import { InProcessRunner } from './in-process-runner.js';
import type { TemporalStarter } from './temporal-starter.js';
import { workflowConfig, type WorkflowConfig } from './workflow-config.js';
import { completeStart } from './workflow-inputs.js';
import { WorkflowStats, type WorkflowStatsSnapshot } from './workflow-stats.js';
import { MAX_WIRE_MESSAGE, readToFront, type FromFront } from './workflow-wire.js';

export const WORKFLOW_FRONT = { module: import.meta.url, export: 'createWorkflowFront' } as const;

/** How often the running count is asked of Temporal, at most (it is asked only while someone reads the stats). */
const COUNT_EVERY_MS = 15_000;

export interface WorkflowFront extends MainService, WorkflowStarter {
  readonly config: WorkflowConfig;
  stats(now?: number): WorkflowStatsSnapshot;
}

export function createWorkflowFront(init: MainServiceInit): WorkflowFront {
  const config = workflowConfig(init.options);
  const log = createLogger('glass', 'info', { node: init.nodeId, thread: 0, component: 'workflows' });
  const stats = new WorkflowStats(config.temporal === null ? 'in-process' : 'temporal');
  // Main-thread starts in process (the desk's fan-out): no store here, and none is needed for a notice.
  const runner = new InProcessRunner(createGlassActivities({ store: null, log }), {
    maxRunning: config.maxRunning,
    onStart: (s) => {
      stats.running(1);
      stats.started(Date.now(), Date.now() - s.requestedAt, false);
    },
    onEnd: (_s, ok) => {
      stats.running(-1);
      if (!ok) stats.failed();
    },
  });
  const ports = new Set<MessagePort>();
  let temporal: Promise<TemporalStarter> | null = null;
  let countedAt = 0;
  let closed = false;

  const connectTemporal = (): Promise<TemporalStarter> => {
    if (temporal !== null) return temporal;
    const connecting = import('./temporal-starter.js').then(({ connectTemporalStarter }) => connectTemporalStarter(config.temporal!));
    // A failed connection is tried again by the next start, not remembered.
    connecting.catch(() => {
      if (temporal === connecting) temporal = null;
    });
    return (temporal = connecting);
  };

  async function start(raw: WorkflowStart): Promise<WorkflowStartResult> {
    if (closed) throw new GlassError(WorkflowErrors.CLOSED, 'the workflow front is closed');
    const s = completeStart(workflowStartOf(raw), config);
    if (config.temporal === null) {
      const r = await runner.start(s);
      if (r.status === 'already-started') stats.started(Date.now(), 0, true);
      return r;
    }
    try {
      const r = await (await connectTemporal()).start(s);
      stats.started(Date.now(), Date.now() - s.requestedAt, r.status === 'already-started');
      return r;
    } catch (err) {
      stats.failed();
      throw err instanceof GlassError ? err : new GlassError(WorkflowErrors.UNAVAILABLE, String((err as Error).message).slice(0, MAX_WIRE_MESSAGE));
    }
  }

  function serve(port: MessagePort): void {
    const reply = (m: FromFront): void => {
      if (!closed) port.postMessage(m);
    };
    port.on('message', (raw: unknown) => {
      const m = readToFront(raw);
      if (m === null) return;
      if ('invalid' in m) return reply({ id: m.id, ok: false, error: { code: WorkflowErrors.INVALID, message: m.invalid.slice(0, MAX_WIRE_MESSAGE) } });
      if (m.type === 'stat') {
        if (m.duplicate) stats.started(Date.now(), 0, true);
        else if (m.event === 'start') {
          stats.running(1);
          stats.started(Date.now(), m.lagMs, m.duplicate);
        } else {
          stats.running(-1);
          if (!m.ok) stats.failed();
        }
        return;
      }
      start(m.start).then(
        (result) => reply({ id: m.id, ok: true, result }),
        (err: unknown) => reply({ id: m.id, ok: false, error: { code: err instanceof GlassError ? err.code : WorkflowErrors.UNAVAILABLE, message: String((err as Error)?.message ?? err).slice(0, MAX_WIRE_MESSAGE) } }),
      );
    });
    port.on('close', () => ports.delete(port));
  }

  return {
    config,
    start,
    stats(now = Date.now()): WorkflowStatsSnapshot {
      if (config.temporal !== null && temporal !== null && now - countedAt >= COUNT_EVERY_MS) {
        countedAt = now;
        temporal.then((t) => t.countRunning()).then((n) => stats.setActive(n), () => {});
      }
      return stats.snapshot(now);
    },
    connect(_thread: number): MessagePort {
      if (closed) throw new GlassError(WorkflowErrors.CLOSED, 'the workflow front is closed');
      const { port1, port2 } = new MessageChannel();
      ports.add(port1);
      serve(port1);
      port1.unref();
      return port2;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      runner.close();
      for (const p of ports) p.close();
      ports.clear();
      const t = temporal;
      temporal = null;
      if (t !== null) await t.then((s) => s.close(), () => {});
    },
  };
}
