// The public entry of the ops room: the ops service (views, actions, signals), its routes on the
// gateway's server (page, live feed, API, /metrics), the audit hook, and the `glass ops` CLI.
export { OpsRoutes, mountOps, type OpsRoutesOptions } from './ops-routes.js';
export { OpsService, type OpsServiceOptions } from './ops-service.js';
export { OpsAction, noAudit, type ActionResult, type OpsActionName, type OpsAuditEntry, type OpsAuditHook, type OpsOperator } from './ops-actions.js';
export { opsAuditHook, opsRefusalHook, type OpsCaller, type OpsRefusalHook } from './ops-audit.js';
export { OpsMetrics } from './ops-metrics.js';
export { LatencyWindow, SCALING_TRIGGERS, SignalTracker, type Signal, type SignalId } from './ops-signals.js';
export type { ActorRow, ClusterView, DrainPreview, NodeReport, QuarantineRow, WorkerReport } from './ops-view.js';
export { nodeLine, renderTop, renderTree, type TreeOptions } from './ops-render.js';
export { OPS_USAGE, runOpsCommand } from './ops-cli.js';
