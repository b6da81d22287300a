import type { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { WorkerControl } from '../host/control-api.js';
import { ErrorCodes, GlassError } from '../errors.js';

/**
 * The main thread's control handle on one worker (comlink over the worker's own port). A call
 * that the worker has not answered when it exits is rejected with GLASS_ERR_WORKER_FAILED: comlink
 * alone would leave it pending for ever, and with it whatever waits on it (an ops view sampling
 * every worker, a drain).
 */
export function workerControl(worker: Worker): Comlink.Remote<WorkerControl> {
  const remote = Comlink.wrap<WorkerControl>(nodeEndpoint(worker));
  const gone = new Promise<never>((_, reject) => {
    worker.once('exit', (code) => reject(new GlassError(ErrorCodes.WORKER_FAILED, `the worker exited (code ${code}) before answering`)));
  });
  gone.catch(() => undefined);
  return new Proxy(remote, {
    get(target, name, receiver) {
      const member = Reflect.get(target, name, receiver) as unknown;
      // Symbols (comlink's own) and `then` (awaiting the proxy itself) pass through untouched.
      if (typeof name !== 'string' || name === 'then' || typeof member !== 'function') return member;
      return (...args: unknown[]) => Promise.race([(member as (...a: unknown[]) => Promise<unknown>)(...args), gone]);
    },
  });
}
