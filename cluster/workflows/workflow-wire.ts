// The contract on a worker's port to the node's workflow front (workflow-front.ts), as plain data and
// the checks of each direction. A leaf: both sides import it. What arrives on a port is hostile
// until these say otherwise.
import { workflowResultOf, workflowStartOf, type WireError, type WorkflowStart, type WorkflowStartResult } from '../../runtime/index.js';

/** Worker → front: start this on Temporal. */
export interface StartMessage {
  readonly type: 'start';
  readonly id: number;
  readonly start: WorkflowStart;
}

/** Worker → front: an in-process run began (with its lag) or ended; for the ops signals. */
export interface StatMessage {
  readonly type: 'stat';
  readonly event: 'start' | 'end';
  readonly lagMs: number;
  readonly duplicate: boolean;
  readonly ok: boolean;
}

export type ToFront = StartMessage | StatMessage;

export type FromFront = { readonly id: number; readonly ok: true; readonly result: WorkflowStartResult } | { readonly id: number; readonly ok: false; readonly error: WireError };

export const MAX_WIRE_MESSAGE = 500;

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** A message to the front, or null (dropped) when it is not one. A start with an invalid body keeps its id, to be refused. */
export function readToFront(value: unknown): ToFront | { invalid: string; id: number } | null {
  if (value === null || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (v.type === 'stat') {
    if ((v.event !== 'start' && v.event !== 'end') || typeof v.lagMs !== 'number' || !Number.isFinite(v.lagMs)) return null;
    return { type: 'stat', event: v.event, lagMs: v.lagMs, duplicate: v.duplicate === true, ok: v.ok === true };
  }
  if (v.type !== 'start' || !isId(v.id)) return null;
  try {
    return { type: 'start', id: v.id, start: workflowStartOf(v.start) };
  } catch (err) {
    return { invalid: (err as Error).message, id: v.id };
  }
}

/** A reply from the front, or null when it is not one. */
export function readFromFront(value: unknown): FromFront | null {
  if (value === null || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (!isId(v.id)) return null;
  if (v.ok === true) {
    const r = v.result as Record<string, unknown> | null;
    if (r === null || typeof r !== 'object' || typeof r.id !== 'string' || (r.status !== 'started' && r.status !== 'already-started') || (r.mode !== 'temporal' && r.mode !== 'in-process')) return null;
    const result = workflowResultOf(r.result);
    return { id: v.id, ok: true, result: result === undefined ? { id: r.id, status: r.status, mode: r.mode } : { id: r.id, status: r.status, mode: r.mode, result } };
  }
  const e = v.error as Record<string, unknown> | null;
  if (v.ok !== false || e === null || typeof e !== 'object' || typeof e.code !== 'string' || typeof e.message !== 'string') return null;
  return { id: v.id, ok: false, error: { code: e.code, message: e.message.slice(0, MAX_WIRE_MESSAGE) } };
}
