// The node's rules pool: the main-thread part of the `rules` service. One piscina pool per node
// runs the check model off every actor's event loop; each worker gets its own port (connect) and
// asks over it (rules-wire.ts). A task that throws, overruns or finds the queue full is answered
// with a typed error; the pool itself is never taken down by a task (an overrunning task's thread
// is terminated and replaced by piscina). Main thread only.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { GlassError, InvalidOptionError, integerOption, nonEmptyStringOption, MAX_TIMER_MS, type MainService, type MainServiceInit, type WireError } from '../../runtime/index.js';
import { checkRequestOf, CHECK_MODEL } from '../../actors/index.js';
import { RulesErrors } from '../../actors/index.js';
import { RULES_TASK, RULES_TASK_EXPORT } from './rules-task.js';
import { MAX_WIRE_MESSAGE, readToPool, type FromPool } from './rules-wire.js';

export interface RulesPoolOptions {
  /** Pool threads (the node option "rules pool size"). Default 1: on a 2-core node the actor workers need the rest. */
  threads?: number;
  /** Longest a task may run (ms); a request's own timeoutMs is capped by it. Default 2,000. */
  taskTimeoutMs?: number;
  /** Tasks waiting for a thread, over the whole node; one more is refused with GLASS_ERR_RULES_BUSY. Default 4,096. */
  maxQueue?: number;
  /**
   * The task file's URL (default cluster/rules/rules-task.js); it must export RULES_TASK_EXPORT.
   * Configuration, like actorModules: the tests point it at spec/fixtures/rules-tasks.js.
   */
  taskModule?: string;
}

export const RULES_POOL_DEFAULTS = Object.freeze({ threads: 1, taskTimeoutMs: 2_000, maxQueue: 4_096 });
const MAX_THREADS = 64;
const MAX_QUEUE = 100_000;

export const RULES_POOL = { module: import.meta.url, export: 'createRulesPoolService' } as const;

interface Running {
  readonly controller: AbortController;
  timedOut: boolean;
  cancelled: boolean;
}

/** The `main` part of the rules service: `{ main: RULES_POOL, worker: RULES_CLIENT }`. */
export function createRulesPoolService(init: MainServiceInit): MainService {
  const o = poolOptions(init.options);
  const pool = new Piscina({
    filename: o.taskModule,
    name: RULES_TASK_EXPORT,
    minThreads: o.threads,
    maxThreads: o.threads,
    // Our own bound (inFlight) refuses first; piscina's queue must also hold tasks that arrive
    // before a thread is ready (or while one is being replaced), or it refuses them itself.
    maxQueue: o.maxQueue + o.threads,
    // Each pool thread is small: the check model holds no state.
    resourceLimits: { maxOldGenerationSizeMb: 64 },
  });
  // piscina reports a pool thread that dies here; unhandled, an 'error' event would end the process.
  pool.on('error', () => {});
  const ports = new Set<MessagePort>();
  const running = new Set<Running>();
  let closed = false;
  let inFlight = 0;

  function serve(port: MessagePort): void {
    const tasks = new Map<number, Running>();
    const reply = (m: FromPool): void => {
      if (!closed) port.postMessage(m);
    };
    const fail = (id: number | null, code: string, message: string): void => reply({ id, ok: false, error: { code, message: message.slice(0, MAX_WIRE_MESSAGE) } });
    port.on('message', (raw: unknown) => {
      const m = readToPool(raw);
      if ('invalid' in m) return fail(m.id, RulesErrors.INVALID, `rules pool: ${m.invalid}`);
      if (m.type === 'cancel') {
        const t = tasks.get(m.id);
        if (t !== undefined) {
          t.cancelled = true;
          t.controller.abort('cancelled');
        }
        return;
      }
      if (closed) return fail(m.id, RulesErrors.CLOSED, 'the rules pool is closed');
      if (tasks.has(m.id)) return fail(m.id, RulesErrors.INVALID, `rules pool: id ${m.id} is already running`);
      let request;
      try {
        request = checkRequestOf(m.request);
      } catch (err) {
        return fail(m.id, RulesErrors.INVALID, (err as Error).message);
      }
      // Our own bound, not piscina's error text: every thread busy and the queue full.
      if (inFlight >= o.threads + o.maxQueue) return fail(m.id, RulesErrors.BUSY, `the rules pool is busy (${inFlight} checks running or queued)`);
      const t: Running = { controller: new AbortController(), timedOut: false, cancelled: false };
      const timeoutMs = Math.min(m.timeoutMs, o.taskTimeoutMs);
      const timer = setTimeout(() => {
        t.timedOut = true;
        t.controller.abort('timeout');
      }, timeoutMs);
      tasks.set(m.id, t);
      running.add(t);
      inFlight++;
      pool.run(request, { signal: t.controller.signal }).then(
        (results: unknown) => {
          if (!Array.isArray(results) || results.length > CHECK_MODEL.maxChecks) fail(m.id, RulesErrors.FAILED, 'the check model answered something that is not a list of checks');
          else reply({ id: m.id, ok: true, results });
        },
        (err: unknown) => {
          const e = errorOf(err, t, timeoutMs, closed);
          if (!t.cancelled) fail(m.id, e.code, e.message);
        },
      ).finally(() => {
        clearTimeout(timer);
        tasks.delete(m.id);
        running.delete(t);
        inFlight--;
      });
    });
    // The worker is gone (crashed or stopped): its checks are of no use to anyone.
    port.on('close', () => {
      ports.delete(port);
      for (const t of tasks.values()) {
        t.cancelled = true;
        t.controller.abort('worker gone');
      }
    });
  }

  return {
    connect(_thread: number): MessagePort {
      if (closed) throw new GlassError(RulesErrors.CLOSED, 'the rules pool is closed');
      const { port1, port2 } = new MessageChannel();
      ports.add(port1);
      serve(port1);
      // The node's own lifetime decides when the process ends, not a listening port.
      port1.unref();
      return port2;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const t of running) {
        t.cancelled = true;
        t.controller.abort('closed');
      }
      for (const p of ports) p.close();
      ports.clear();
      await pool.destroy();
    },
  };
}

function errorOf(err: unknown, t: Running, timeoutMs: number, closed: boolean): WireError {
  if (t.timedOut) return { code: RulesErrors.TIMEOUT, message: `the checks took longer than ${timeoutMs} ms: aborted (the pool thread was replaced)` };
  if (closed) return { code: RulesErrors.CLOSED, message: 'the rules pool was closed with the check running' };
  const message = err instanceof Error ? err.message : String(err);
  if (/task queue is at limit|no task queue available/i.test(message)) return { code: RulesErrors.BUSY, message: 'the rules pool is busy' };
  return { code: RulesErrors.FAILED, message: `the check model failed: ${message}` };
}

function poolOptions(value: unknown): Required<RulesPoolOptions> {
  if (value === undefined || value === null) return { ...RULES_POOL_DEFAULTS, taskModule: RULES_TASK };
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidOptionError('services.rules.main.options', 'an object { threads?, taskTimeoutMs?, maxQueue?, taskModule? }', value);
  const v = value as RulesPoolOptions;
  const known = new Set(['threads', 'taskTimeoutMs', 'maxQueue', 'taskModule']);
  for (const k of Object.keys(v)) if (!known.has(k)) throw new InvalidOptionError(`services.rules.main.options.${k}`, 'absent (not a rules pool option)', (v as Record<string, unknown>)[k]);
  return {
    threads: v.threads === undefined ? RULES_POOL_DEFAULTS.threads : integerOption('services.rules.main.options.threads', v.threads, 1, MAX_THREADS),
    taskTimeoutMs: v.taskTimeoutMs === undefined ? RULES_POOL_DEFAULTS.taskTimeoutMs : integerOption('services.rules.main.options.taskTimeoutMs', v.taskTimeoutMs, 1, MAX_TIMER_MS),
    maxQueue: v.maxQueue === undefined ? RULES_POOL_DEFAULTS.maxQueue : integerOption('services.rules.main.options.maxQueue', v.maxQueue, 0, MAX_QUEUE),
    taskModule: v.taskModule === undefined ? RULES_TASK : nonEmptyStringOption('services.rules.main.options.taskModule', v.taskModule),
  };
}
