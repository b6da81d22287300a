// The public entry of the supervision layer: what decides when an actor, a child or a worker
// thread fails, and the one backoff every retry loop of the server uses. runtime/ carries the
// decisions out; it reaches this layer only through the Supervisor interface (runtime/supervision.ts)
// and the module reference WORKER_SUPERVISOR.
export { WORKER_SUPERVISOR, DEFAULT_SAVE_RETRY, WorkerSupervisor, createWorkerSupervisor, type WorkerSupervisorOptions } from './worker-supervisor.js';
export { Backoff, Jitter, attemptAfterQuiet, backoffDelayMs, type BackoffPolicy } from './backoff.js';
export { admitRestart, type RestartIntensity } from './restart-intensity.js';
export { ONE_FOR_ALL, ONE_FOR_ONE, REST_FOR_ONE, strategyFor } from './strategies.js';
export { escalate } from './escalation.js';
export { isPoison } from './quarantine-policy.js';
export { DEFAULT_THREAD_RESTART, ThreadRestarts } from './thread-restarts.js';
