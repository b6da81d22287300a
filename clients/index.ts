// The public entry of the clients layer: the WebSocket gateway, the wire protocol it speaks, and tokens.
export { Gateway, GatewayErrors, startGateway, type GatewayEvents, type GatewayStats } from './gateway/gateway.js';
export { READ_HEADROOM_BYTES, type GatewayOptions } from './gateway/gateway-options.js';
export { decodeClientFrame, encodeServerFrame, type DecodedFrame, type FrameRejection } from './protocol/frame-codec.js';
export { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimit } from './gateway/rate-limiter.js';
export { MAX_ACCESS_TTL_MS, signAccessToken, verifyAccessToken, type AccessClaims, type TokenCheck } from './tokens/access-token.js';
export { signResumeToken, verifyResumeToken, type ResumeClaims } from './tokens/resume-token.js';
export { DEFAULT_SECRET_FILE, MIN_SECRET_LENGTH, resolveTokenSecret, TokenSecretErrors, type TokenSecret } from './tokens/token-secret.js';
export { AUDIT_FORMAT, AUDIT_OUTCOMES, GENESIS_HASH, hashEntry, verifyChain, type AuditEntry, type AuditOutcome, type AuditRow, type ChainHead, type ChainVerdict, type TamperKind } from './moderation/audit-chain.js';
export { AUDIT_SCHEMA_VERSION, auditTables, migrateAuditSchema, type AuditTables } from './moderation/audit-migration.js';
export { AuditErrors, AuditLog, AuditUnavailableError, auditUrlFromEnv, describePgUrl, type AuditLogOptions, type AuditReceipt, type AuditStatus } from './moderation/audit-log.js';
export { ModerationDesk, attemptOf, toOverride, type OverrideAttempt, type OverrideOutcome, type OverrideSource, type Requester } from './moderation/moderation-desk.js';
export { ModeratorClient, ModeratorClientError, type ModeratorClientOptions } from './moderation/moderation-client.js';
export {
  AuditRefSchema,
  ModeratedFrame,
  OverrideAppliedFrame,
  OverrideFrame,
  OverrideRequest,
  CLIENT_FRAME_TYPES,
  ClientFrame,
  CloseCodes,
  ErrorFrame,
  FRAME_ROLES,
  IdSchema,
  JoinFrame,
  JoinedFrame,
  LeaveFrame,
  LeftFrame,
  PingFrame,
  PongFrame,
  PresenceFrame,
  PROTOCOL_VERSION,
  ProtocolErrors,
  ProtocolLimits,
  RefSchema,
  RESYNC_REASONS,
  ResumeFrame,
  ResumeTokenFrame,
  ResumedFrame,
  ResyncFrame,
  RoleSchema,
  ROLES,
  RoomLineSchema,
  SaidFrame,
  SayFrame,
  ServerFrame,
  TurnAcceptedFrame,
  TurnFrame,
  WelcomeFrame,
  type ClientFrameType,
  type ProtocolErrorCode,
  type Role,
  type RoomLineFrame,
  type ServerFrameOf,
  type ServerFrameType,
} from './protocol/protocol.js';
export { OpsRoutes, mountOps, type OpsRoutesOptions } from './ops/ops-routes.js';
export { OpsService, type ActorRow, type DrainPreview, type OpsServiceOptions } from './ops/ops-service.js';
export { OpsAction, OpsErrors, noAudit, type ActionResult, type OpsActionName, type OpsAuditEntry, type OpsAuditHook, type OpsOperator } from './ops/ops-actions.js';
export { OpsMetrics } from './ops/ops-metrics.js';
export { LatencyWindow, SCALING_TRIGGERS, SignalTracker, type Signal, type SignalId } from './ops/ops-signals.js';
export type { ClusterView, NodeReport, QuarantineRow, WorkerReport } from './ops/ops-view.js';
export { nodeLine, renderTop, renderTree, type TreeOptions } from './ops/ops-render.js';
export { OPS_USAGE, runOpsCommand } from './ops/ops-cli.js';
