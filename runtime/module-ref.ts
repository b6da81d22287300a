import { InvalidOptionError } from './errors.js';

/**
 * A pluggable part named by module and export, so that a worker thread can build it itself: a
 * worker cannot receive functions or class instances from the main thread, only data.
 */
export interface ModuleRef {
  /** A file: URL or an importable specifier. */
  readonly module: string;
  /** The exported factory: called with `options` (and a context chosen by the loader). */
  readonly export: string;
  readonly options?: unknown;
}

export async function loadExport<T>(ref: ModuleRef, what: string): Promise<T> {
  const mod = (await import(ref.module)) as Record<string, unknown>;
  const value = mod[ref.export];
  if (value === undefined) throw new InvalidOptionError(what, `an export named "${ref.export}" of ${ref.module}`, undefined);
  return value as T;
}
