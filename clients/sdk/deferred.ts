// A promise with its resolve and reject at hand (connect()'s, settled by the link's events).
import type { GlassClientError } from './errors.js';

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: GlassClientError): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: GlassClientError) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // connect()'s promise may be left unobserved by a caller that only listens to events.
  promise.catch(() => {});
  return { promise, resolve, reject };
}
