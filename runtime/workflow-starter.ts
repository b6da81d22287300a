// The seam between actors and the work that runs after them (Temporal workflows): what an actor asks
// for and what it is told. Worker-safe and free of I/O: implementations live in cluster/workflows/
// (the Temporal client on the main thread, or the in-process runner of the embedded default).
import { GlassError } from './errors.js';

/** The workflows a node can start, by their Temporal type names. */
export const WORKFLOW_TYPES = ['storyConsolidation', 'checkRunner', 'moderationFanOut'] as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[number];

/** The node service that starts workflows (NodeOptions.services.workflows). */
export const WORKFLOW_SERVICE = 'workflows';

export const WorkflowErrors = {
  /** A start request (or a reply) is malformed: not retried. */
  INVALID: 'GLASS_ERR_WORKFLOW_INVALID',
  /** Temporal (or the node's workflow front) could not take the start now: retried later. */
  UNAVAILABLE: 'GLASS_ERR_WORKFLOW_UNAVAILABLE',
  /** The starter was closed with the start pending. */
  CLOSED: 'GLASS_ERR_WORKFLOW_CLOSED',
  /** Too many starts pending on this worker (or runs in process on this node). */
  BUSY: 'GLASS_ERR_WORKFLOW_BUSY',
} as const;

/** Longest workflow id; Temporal's own limit is 1,000 bytes. */
export const MAX_WORKFLOW_ID = 400;
/** Largest input a start carries, as JSON text (Temporal's payload limit is 2 MiB; ours is far lower). */
export const MAX_WORKFLOW_INPUT_BYTES = 64 * 1024;

/**
 * One start. `id` is deterministic (see the builders below): the same request made twice — a
 * redelivery, a resume after a crash — names the same workflow, and the second start is answered
 * `already-started`, which counts as success.
 */
export interface WorkflowStart {
  readonly type: WorkflowType;
  readonly id: string;
  readonly input: unknown;
  /** When the actor asked (its clock, epoch ms): the workflow lag is measured from it. */
  readonly requestedAt: number;
}

export interface WorkflowStartResult {
  readonly id: string;
  readonly status: 'started' | 'already-started';
  /** `temporal`: handed to the Temporal cluster; `in-process`: run by this node (no TEMPORAL_ADDRESS). */
  readonly mode: 'temporal' | 'in-process';
  /**
   * The run's result, for the types of RESULT_WORKFLOWS only (their start settles once the run has
   * ended); as JSON text of at most MAX_WORKFLOW_RESULT_BYTES. Hostile: the actor checks its shape.
   */
  readonly result?: unknown;
}

/**
 * The workflows whose result goes back to the actor that started them (`workflow-started`'s
 * `result`): their start settles when the run has ended, not when it was accepted, and stays in the
 * actor's state until then, so a crash asks again (the id is deterministic: `already-started`, then
 * the closed run's result).
 */
export const RESULT_WORKFLOWS: ReadonlySet<WorkflowType> = new Set<WorkflowType>(['checkRunner']);
/** Longest a start of RESULT_WORKFLOWS waits for its run (checkRunner's activity may take 5 minutes, retried). */
export const RESULT_WAIT_MS = 10 * 60_000;
/** Largest result carried back, as JSON text. */
export const MAX_WORKFLOW_RESULT_BYTES = 64 * 1024;

/** `result` when it is JSON of at most MAX_WORKFLOW_RESULT_BYTES; otherwise undefined (dropped). */
export function workflowResultOf(result: unknown): unknown {
  if (result === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(result);
  } catch {
    return undefined;
  }
  return text === undefined || text.length > MAX_WORKFLOW_RESULT_BYTES ? undefined : (JSON.parse(text) as unknown);
}

export interface WorkflowStarter {
  /**
   * Settles once the start is durable where it went (Temporal accepted it, or the run began in
   * process); for RESULT_WORKFLOWS, once the run has ended, with its result.
   */
  start(start: WorkflowStart): Promise<WorkflowStartResult>;
}

const ID_PART = /^[A-Za-z0-9._~-]{1,128}$/;

function part(name: string, value: string): string {
  if (typeof value !== 'string' || !ID_PART.test(value)) throw new GlassError(WorkflowErrors.INVALID, `${name} must be 1 to 128 characters of [A-Za-z0-9._~-]`);
  return value;
}

function turnPart(turn: number): number {
  if (!Number.isSafeInteger(turn) || turn < 0) throw new GlassError(WorkflowErrors.INVALID, 'turn must be a non-negative integer');
  return turn;
}

/** The consolidation that follows turn `turn` of `session`. Session ids may hold `/` (children): kept as is. */
export function consolidationWorkflowId(session: string, turn: number): string {
  return `consolidate:${sessionPart(session)}:${turnPart(turn)}`;
}

/** The long checks of turn `turn` of `session`. */
export function checkRunnerWorkflowId(session: string, turn: number): string {
  return `checks:${sessionPart(session)}:${turnPart(turn)}`;
}

/** The moderators' notification of audit row `auditId` (one per override, whichever node applied it). */
export function fanOutWorkflowId(auditId: number): string {
  if (!Number.isSafeInteger(auditId) || auditId <= 0) throw new GlassError(WorkflowErrors.INVALID, 'auditId must be a positive integer');
  return `fanout:${auditId}`;
}

function sessionPart(session: string): string {
  if (typeof session !== 'string' || session.length === 0 || session.length > 256) throw new GlassError(WorkflowErrors.INVALID, 'session must be 1 to 256 characters');
  for (const p of session.split('/')) part('session', p);
  return session;
}

/** A start as it arrives from another thread or from a saved state: checked before anything acts on it. */
export function workflowStartOf(value: unknown): WorkflowStart {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new GlassError(WorkflowErrors.INVALID, 'a workflow start must be an object');
  const v = value as Record<string, unknown>;
  if (!(WORKFLOW_TYPES as readonly unknown[]).includes(v.type)) throw new GlassError(WorkflowErrors.INVALID, `type must be one of ${WORKFLOW_TYPES.join(', ')}`);
  if (typeof v.id !== 'string' || v.id.length === 0 || v.id.length > MAX_WORKFLOW_ID || !/^[\x21-\x7e]+$/.test(v.id)) {
    throw new GlassError(WorkflowErrors.INVALID, `id must be 1 to ${MAX_WORKFLOW_ID} printable ASCII characters`);
  }
  if (typeof v.requestedAt !== 'number' || !Number.isFinite(v.requestedAt) || v.requestedAt < 0) throw new GlassError(WorkflowErrors.INVALID, 'requestedAt must be a time in ms');
  let text: string | undefined;
  try {
    text = JSON.stringify(v.input);
  } catch {
    text = undefined;
  }
  if (text === undefined || text.length > MAX_WORKFLOW_INPUT_BYTES) throw new GlassError(WorkflowErrors.INVALID, `input must be JSON of at most ${MAX_WORKFLOW_INPUT_BYTES} characters`);
  return { type: v.type as WorkflowType, id: v.id, input: v.input, requestedAt: v.requestedAt };
}
