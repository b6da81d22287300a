import type { ActorSample, QuarantinedMessage, WorkerSample } from '../../runtime/index.js';
import type { GlassNode, ProcessSample, WorkerHandle } from '../../runtime/node/index.js';
import type { Signal } from './ops-signals.js';
import type { BudgetReportView } from './budget-metrics.js';

/** A quarantined message as the ops view lists it: its content only as a short preview. */
export interface QuarantineRow {
  node: string;
  id: string;
  to: string;
  from: string | null;
  messageType: string;
  error: string;
  attempts: number;
  at: number;
  preview: string;
}

/** One worker of a node: its supervisor's view (status, restarts, last exit) and its sample. */
export interface WorkerReport {
  thread: number;
  status: string;
  restarts: number;
  lastExit: { code: number; error: string | null; at: number } | null;
  /** null while the worker is down (backing off, starting). */
  sample: Omit<WorkerSample, 'activationsMs'> | null;
}

/** What one node publishes: bounded in size whatever the number of actors (aggregated per kind). */
export interface NodeReport {
  node: string;
  at: number;
  mode: 'single' | 'cluster';
  members: string[];
  process: ProcessSample;
  workers: WorkerReport[];
  quarantine: { size: number; dropped: number; latest: QuarantineRow[] };
  /** Cross-node transport figures, when in a cluster. */
  stream: { queued: number; inFlight: number; pendingAcks: number; unacked: number; sent: number; received: number } | null;
  signals: Signal[];
  /** Tokens, cost and budget use of this node's sessions and worlds, and the GM queue (docs/BUDGETS.md). */
  budgets?: BudgetReportView;
  /** Overrides applied through this node's desk since it started, by `command:targetKind` (telemetry.moderation.overrides). */
  moderation?: { overrides: Record<string, number> };
}

/** The whole cluster as one node sees it: its own report and the others' (from Redis). */
export interface ClusterView {
  at: number;
  /** The node that assembled the view. */
  via: string;
  nodes: NodeReport[];
  /** Members with no recent report (down, or not publishing). */
  missing: string[];
}

export const QUARANTINE_ROWS = 50;
const PREVIEW_CHARS = 160;

export function quarantineRow(node: string, e: QuarantinedMessage): QuarantineRow {
  let preview: string;
  try {
    preview = JSON.stringify(e.message) ?? String(e.message);
  } catch {
    preview = '[unserialisable]';
  }
  if (preview.length > PREVIEW_CHARS) preview = preview.slice(0, PREVIEW_CHARS - 1) + '…';
  return { node, id: e.id, to: e.to, from: e.from, messageType: e.messageType, error: e.error, attempts: e.attempts, at: e.at, preview };
}

export function workerReport(handle: WorkerHandle, sample: WorkerSample | undefined): WorkerReport {
  let rest: Omit<WorkerSample, 'activationsMs'> | null = null;
  if (sample !== undefined) {
    const { activationsMs: _drop, ...others } = sample;
    rest = others;
  }
  return { thread: handle.thread, status: handle.status, restarts: handle.restarts, lastExit: handle.lastExit, sample: rest };
}

/** The transport figures of clusterStatus() (absent for a single node). */
export function streamFigures(node: GlassNode): NodeReport['stream'] {
  const status = node.clusterStatus();
  const stream = status.stream as Record<string, number> | undefined;
  if (status.mode !== 'cluster' || stream === undefined) return null;
  return {
    queued: stream.queuedEnvelopes ?? 0,
    inFlight: stream.inFlightEntries ?? 0,
    pendingAcks: stream.pendingAcks ?? 0,
    unacked: status.unackedDeliveries,
    sent: stream.sentEnvelopes ?? 0,
    received: stream.receivedEnvelopes ?? 0,
  };
}

/** An actor found by a search or listed by an expansion, with where it lives. */
export interface ActorRow extends ActorSample {
  node: string;
  thread: number;
}

export interface DrainPreview {
  node: string;
  /** Members after the drain. */
  remaining: string[];
  total: number;
  moved: number;
  byNode: Record<string, { in: number; out: number }>;
  /** The first moves (id, from, to). */
  sample: { id: string; from: string; to: string }[];
}
