// The main-thread entry of the runtime layer: the node, its worker threads and the control plane.
// Worker-side code never imports it (runtime/index.ts is the worker-safe entry).
export { GlassNode, startNode } from './node.js';
export type { ClusterParts, ClusterStatus } from './node-membership.js';
export { ExitReason, NodeSupervisor, SpareEvent, WorkerStatus, type BlockedWorker, type SpareStats, type WorkerExit, type WorkerHandle } from './node-supervisor.js';
export type { BlockedMessage } from './blocked-message.js';
export { nestActors, type ActorTreeNode, type SupervisionTree, type WorkerTreeNode } from './supervision-tree.js';
export { DEFAULT_STATE_COPY_BYTES, defaultNodeId, type NodeOptions } from './node-options.js';
export { StateCopy, type StateCopyStats } from './state-copy.js';
export { ProcessSampler, type ProcessSample } from './node-stats.js';
export type { EndpointHandler } from './endpoints.js';
export { MainRouter, type MainRouterOptions } from './main-router.js';
export { addReadinessCheck, nodeReadiness, type NodeReadiness, type ReadinessAnswer, type ReadinessCheck } from './node-readiness.js';
