import type { MessagePort } from 'node:worker_threads';
import type { WorkerInit } from './control-api.js';
import type { ModuleRef } from '../module-ref.js';

/**
 * What a spare worker thread is started with (its workerData): the node keeps one idle thread that
 * has already loaded the modules its workers load, so that a dead worker's replacement does not
 * pay the thread start and the imports (runtime/node/spare-worker.ts). It knows nothing of any
 * thread: the WorkerInit of the worker it replaces arrives on `adopt` when it is taken.
 */
export interface SpareBoot {
  spare: true;
  /** Module URLs to import while idle: the actor modules, the store, placement, supervisor and services' worker parts. */
  preload: string[];
  /** The spare posts SPARE_LOADED on it once its imports are done; the one message it receives is the WorkerInit of the thread this spare becomes (its ports transferred with it). */
  adopt: MessagePort;
}

export const SPARE_LOADED = 'loaded';

export type WorkerBoot = WorkerInit | SpareBoot;

export function isSpareBoot(data: WorkerBoot): data is SpareBoot {
  return (data as Partial<SpareBoot>).spare === true;
}

/** The modules a worker loads (its actor modules and the modules of its parts), for a spare to import ahead. */
export function preloadOf(actorModules: readonly string[], parts: readonly ModuleRef[]): string[] {
  return [...new Set([...actorModules, ...parts.map((p) => p.module)])];
}

/**
 * The worker's WorkerInit: workerData itself, or, in a spare, what the node sends when the spare
 * replaces a dead worker — after the spare has imported its modules (a failing import ends the
 * spare, as it would have ended the worker).
 */
export async function workerInit(data: WorkerBoot): Promise<WorkerInit> {
  if (!isSpareBoot(data)) return data;
  await Promise.all(data.preload.map((m) => import(m)));
  const adopt = data.adopt;
  const adopted = new Promise<WorkerInit>((resolve) => adopt.once('message', resolve));
  // Loaded: from now on the node can count on this spare being warm.
  adopt.postMessage(SPARE_LOADED);
  const init = await adopted;
  adopt.close();
  return init;
}
