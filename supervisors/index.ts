// The public entry of the supervision layer: the policies the actor host carries out.
export { WorkerSupervisor, createWorkerSupervisor, type WorkerSupervisorOptions } from './worker-supervisor.js';
