// The `budget` node service: each worker's part gives its actors the node's limits and posts their
// reports (spend, a world's use, the GM queue's depth) to the main thread's hub, which /metrics and
// the ops view read. Reports are fire-and-forget: a turn never waits on metrics.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { BudgetLimits, BudgetReport, BudgetService } from '../../actors/index.js';
import type { MainService, MainServiceInit, WorkerServiceInit } from '../../runtime/index.js';
import { budgetLimits } from './budget-config.js';
import { BudgetHub, registerHub, unregisterHub } from './budget-hub.js';

export function createBudgetService(init: WorkerServiceInit): BudgetService {
  const limits: BudgetLimits = budgetLimits((init.options ?? {}) as never);
  const port = init.port;
  port?.unref();
  return {
    limits,
    report(report: BudgetReport): void {
      port?.postMessage(report);
    },
    close(): void {
      port?.close();
    },
  } as BudgetService & { close(): void };
}

export function createBudgetHub(init: MainServiceInit): MainService {
  const hub = new BudgetHub();
  registerHub(init.nodeId, hub);
  const ports = new Map<number, MessagePort>();
  return {
    connect(thread: number): MessagePort {
      ports.get(thread)?.close();
      const { port1, port2 } = new MessageChannel();
      port1.on('message', (r: BudgetReport) => hub.take(r));
      port1.unref();
      ports.set(thread, port1);
      return port2;
    },
    async close(): Promise<void> {
      for (const p of ports.values()) p.close();
      ports.clear();
      unregisterHub(init.nodeId, hub);
    },
  };
}

export const BUDGET_WORKER = { module: import.meta.url, export: 'createBudgetService' } as const;
export const BUDGET_MAIN = { module: import.meta.url, export: 'createBudgetHub' } as const;
