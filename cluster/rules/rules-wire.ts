// The contract on a worker's port to the node's rules pool, as plain interfaces and the checks of
// each direction. A leaf (no piscina): the worker side and the main side both import it. Whatever
// arrives on a port is hostile until these say otherwise, even from a thread of the same process.
import type { WireError } from '../../runtime/index.js';
import type { CheckResult } from '../../actors/index.js';

/** Worker → pool: run the checks of `request`, answer within `timeoutMs`. */
export interface CheckMessage {
  readonly type: 'check';
  readonly id: number;
  readonly request: unknown;
  readonly timeoutMs: number;
}

/** Worker → pool: the caller gave up on `id` (its signal or its own timer): abort the task. */
export interface CancelMessage {
  readonly type: 'cancel';
  readonly id: number;
}

export type ToPool = CheckMessage | CancelMessage;

/** Pool → worker. `id` is null only when the message it answers had no usable id. */
export type FromPool = { readonly id: number; readonly ok: true; readonly results: CheckResult[] } | { readonly id: number | null; readonly ok: false; readonly error: WireError };

/** Longest error message that crosses the port. */
export const MAX_WIRE_MESSAGE = 500;

function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

/** A message to the pool, or why it is refused (with its id when it had a usable one). */
export function readToPool(value: unknown): ToPool | { invalid: string; id: number | null } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { invalid: 'a message must be an object', id: null };
  const v = value as Record<string, unknown>;
  const id = isId(v.id) ? v.id : null;
  if (id === null) return { invalid: 'id must be a positive safe integer', id: null };
  if (v.type === 'cancel') return { type: 'cancel', id };
  if (v.type !== 'check') return { invalid: 'type must be "check" or "cancel"', id };
  if (typeof v.timeoutMs !== 'number' || !Number.isFinite(v.timeoutMs) || v.timeoutMs <= 0) return { invalid: 'timeoutMs must be a positive number', id };
  return { type: 'check', id, request: v.request, timeoutMs: v.timeoutMs };
}

const OUTCOMES = new Set(['critical-success', 'success', 'failure', 'critical-failure']);

function isResult(r: unknown): r is CheckResult {
  if (r === null || typeof r !== 'object') return false;
  const c = r as Record<string, unknown>;
  return typeof c.skill === 'string' && OUTCOMES.has(c.outcome as string) && [c.roll, c.modifier, c.total, c.difficulty].every((n) => typeof n === 'number' && Number.isFinite(n));
}

/** A reply from the pool, or null when it is not one (dropped by the client). */
export function readFromPool(value: unknown, maxResults: number): FromPool | null {
  if (value === null || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (v.ok === true) {
    if (!isId(v.id) || !Array.isArray(v.results) || v.results.length > maxResults || !v.results.every(isResult)) return null;
    return { id: v.id, ok: true, results: v.results };
  }
  if (v.ok !== false || !(v.id === null || isId(v.id))) return null;
  const e = v.error as Record<string, unknown> | null;
  if (e === null || typeof e !== 'object' || typeof e.code !== 'string' || typeof e.message !== 'string') return null;
  return { id: v.id, ok: false, error: { code: e.code, message: e.message.slice(0, MAX_WIRE_MESSAGE) } };
}
