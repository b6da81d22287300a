import type { BlockedWorker, GlassNode, WorkerHandle } from '../../runtime/node/index.js';

/** Resolves when worker `thread` of `node` is ready again after a restart. */
export function nextRestart(node: GlassNode, thread: number): Promise<WorkerHandle> {
  return new Promise((resolve) => {
    const off = node.supervisor.onRestart((h) => {
      if (h.thread !== thread) return;
      off();
      resolve(h);
    });
  });
}

/** Resolves when the watchdog finds worker `thread` of `node` blocked, with what it was handling. */
export function nextBlocked(node: GlassNode, thread: number): Promise<BlockedWorker> {
  return new Promise((resolve) => {
    const off = node.supervisor.onBlocked((h, blocked) => {
      if (h.thread !== thread) return;
      off();
      resolve(blocked);
    });
  });
}
