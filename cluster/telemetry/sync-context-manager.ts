// The context manager every thread's provider registers: a stack, current for synchronous code only.
// The SDK's AsyncLocalStorageContextManager turns on async_hooks on Node 20, a cost on every
// promise of the thread whether a trace is sampled or not (the rooms bench saw it). Nothing here
// needs a context to survive an await: the gateway's edge span is active while the frame is
// dispatched (synchronously, up to the envelope taking its traceparent), and every hop after it
// names its parent explicitly through the envelope's traceparent (runtime/trace.ts).
import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

export class SyncContextManager implements ContextManager {
  #current: Context = ROOT_CONTEXT;

  active(): Context {
    return this.#current;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const previous = this.#current;
    this.#current = context;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.#current = previous;
    }
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    const bound = (...args: unknown[]): unknown => this.with(context, () => fn(...args));
    return bound as unknown as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.#current = ROOT_CONTEXT;
    return this;
  }
}
