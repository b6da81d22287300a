// The worker part of the `rules` service: a RulesRunner that asks the node's rules pool over this
// worker's port (rules-wire.ts). Its own timer and the caller's AbortSignal settle a check even if
// the pool never answers, and tell the pool to abort the task. Worker-safe (no piscina here).
import type { MessagePort } from 'node:worker_threads';
import { GlassError, InvalidOptionError, integerOption, MAX_TIMER_MS, type WorkerServiceInit } from '../../runtime/index.js';
import { checkRequestOf, CHECK_MODEL } from '../../actors/index.js';
import { RulesErrors, type CheckRequest, type CheckResult, type RulesRunner } from '../../actors/index.js';
import { readFromPool, type ToPool } from './rules-wire.js';

export interface RulesClientOptions {
  /** A check's timeout when the caller gives none (ms). Default 2,000 (the pool caps it by its taskTimeoutMs). */
  timeoutMs?: number;
  /** Checks this worker may have pending at once; one more is refused with GLASS_ERR_RULES_BUSY. Default 1,024. */
  maxPending?: number;
}

export const RULES_CLIENT_DEFAULTS = Object.freeze({ timeoutMs: 2_000, maxPending: 1_024 });

export const RULES_CLIENT = { module: import.meta.url, export: 'createRulesClient' } as const;

interface Pending {
  resolve(results: CheckResult[]): void;
  reject(err: GlassError): void;
  timer: ReturnType<typeof setTimeout>;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** The `worker` part of the rules service: `{ main: RULES_POOL, worker: RULES_CLIENT }`. */
export function createRulesClient(init: WorkerServiceInit): RulesRunner {
  if (init.port === null) throw new InvalidOptionError('services.rules.main', 'the rules pool (RULES_POOL): the rules client asks it over its port', undefined);
  return new RulesClient(init.port, clientOptions(init.options));
}

class RulesClient implements RulesRunner {
  readonly #port: MessagePort;
  readonly #timeoutMs: number;
  readonly #maxPending: number;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #closed = false;

  constructor(port: MessagePort, options: Required<RulesClientOptions>) {
    this.#port = port;
    this.#timeoutMs = options.timeoutMs;
    this.#maxPending = options.maxPending;
    port.on('message', (raw: unknown) => this.#onReply(raw));
    // The port alone does not keep a worker alive: its actors and router decide that.
    port.unref();
  }

  check(request: CheckRequest, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<CheckResult[]> {
    if (this.#closed) return Promise.reject(new GlassError(RulesErrors.CLOSED, 'the rules client is closed'));
    let valid: CheckRequest;
    let timeoutMs: number;
    try {
      valid = checkRequestOf(request);
      timeoutMs = options.timeoutMs === undefined ? this.#timeoutMs : integerOption('timeoutMs', options.timeoutMs, 1, MAX_TIMER_MS);
    } catch (err) {
      return Promise.reject(err);
    }
    const signal = options.signal;
    if (signal?.aborted === true) return Promise.reject(aborted());
    if (this.#pending.size >= this.#maxPending) return Promise.reject(new GlassError(RulesErrors.BUSY, `this worker has ${this.#pending.size} checks pending (maxPending)`));
    const id = ++this.#next;
    return new Promise<CheckResult[]>((resolve, reject) => {
      const p: Pending = {
        resolve,
        reject,
        signal,
        onAbort: undefined,
        timer: setTimeout(() => this.#giveUp(id, new GlassError(RulesErrors.TIMEOUT, `the checks took longer than ${timeoutMs} ms`, { timeoutMs })), timeoutMs),
      };
      if (signal !== undefined) {
        p.onAbort = () => this.#giveUp(id, aborted());
        signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.#pending.set(id, p);
      this.#post({ type: 'check', id, request: valid, timeoutMs });
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(new GlassError(RulesErrors.CLOSED, 'the rules client was closed with the check pending'));
    this.#port.close();
  }

  #onReply(raw: unknown): void {
    const m = readFromPool(raw, CHECK_MODEL.maxChecks);
    if (m === null || m.id === null) return;
    const p = this.#settle(m.id);
    if (p === undefined) return;
    if (m.ok) p.resolve(m.results);
    else p.reject(new GlassError(m.error.code, m.error.message));
  }

  /** The caller stopped waiting: reject, and tell the pool to abort the task. */
  #giveUp(id: number, err: GlassError): void {
    const p = this.#settle(id);
    if (p === undefined) return;
    p.reject(err);
    this.#post({ type: 'cancel', id });
  }

  #settle(id: number): Pending | undefined {
    const p = this.#pending.get(id);
    if (p === undefined) return undefined;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    if (p.onAbort !== undefined) p.signal?.removeEventListener('abort', p.onAbort);
    return p;
  }

  #post(m: ToPool): void {
    if (!this.#closed) this.#port.postMessage(m);
  }
}

function aborted(): GlassError {
  return new GlassError(RulesErrors.ABORTED, 'the check was aborted by its caller');
}

function clientOptions(value: unknown): Required<RulesClientOptions> {
  if (value === undefined || value === null) return { ...RULES_CLIENT_DEFAULTS };
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidOptionError('services.rules.worker.options', 'an object { timeoutMs?, maxPending? }', value);
  const v = value as RulesClientOptions;
  return {
    timeoutMs: v.timeoutMs === undefined ? RULES_CLIENT_DEFAULTS.timeoutMs : integerOption('services.rules.worker.options.timeoutMs', v.timeoutMs, 1, MAX_TIMER_MS),
    maxPending: v.maxPending === undefined ? RULES_CLIENT_DEFAULTS.maxPending : integerOption('services.rules.worker.options.maxPending', v.maxPending, 1, 100_000),
  };
}
