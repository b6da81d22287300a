// The public entry of the supervision layer: the policies the actor host carries out.
export { WORKER_SUPERVISOR, WorkerSupervisor, createWorkerSupervisor, type WorkerSupervisorOptions } from './worker-supervisor.js';
export { Backoff, backoffDelayMs, type BackoffPolicy } from './backoff.js';
