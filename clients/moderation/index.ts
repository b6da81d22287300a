// The public entry of the moderation room: the desk (audit first, then apply), its HTTP API and
// socket adapter, the moderator's client, and the PostgreSQL audit log with its hash chain.
export {
  AUDIT_FORMAT,
  AUDIT_OUTCOMES,
  GENESIS_HASH,
  LEGACY_AUDIT_FORMAT,
  checkChain,
  hashEntry,
  macEntry,
  verifyChain,
  type AnchorHead,
  type AuditEntry,
  type AuditOutcome,
  type AuditRow,
  type ChainCheck,
  type ChainHead,
  type ChainVerdict,
  type TamperKind,
} from './audit-chain.js';
export { AuditKey, AuditKeyError, AuditSetupErrors, DEFAULT_AUDIT_KEY_FILE, resolveAuditKey, type AuditKeyInput } from './audit-key.js';
export { AuditAnchorError, FileAuditAnchor, defaultAnchorFile, openAnchor, sealAnchor, type AnchorChain, type AuditAnchor } from './audit-anchor.js';
export { type AnchorStats } from './audit-anchor-writer.js';
export { DEFAULT_REFUSAL_BOUND, RefusalRecorder, type RefusalBound, type RefusalEntry, type RefusalStats } from './audit-refusals.js';
export { AUDIT_SCHEMA_VERSION, auditTables, migrateAuditSchema, type AuditTables } from './audit-migration.js';
export { AuditLog, AuditUnavailableError, type AnchoredVerdict, type AuditReceipt, type AuditStatus } from './audit-log.js';
export { auditUrlFromEnv, databaseOf, describePgUrl, type AuditLogOptions } from './audit-options.js';
export { ANONYMOUS, ModerationDesk, attemptOf, rawOverrideAttempt, toOverride, type ModerationDeskOptions, type OverrideAttempt, type OverrideOutcome, type OverrideSource, type Requester } from './moderation-desk.js';
export { mountModerationApi, type ModerationApiContext } from './moderation-api.js';
export { socketOverrides } from './socket-overrides.js';
export { ModeratorClient, ModeratorClientError, type ModeratorClientOptions, type OverrideReceipt } from './moderation-client.js';
export { auditSafetyRegistry, SAFETY_AUDIT_COMMAND, type SafetyAuditLog, type SafetyAuditResult, type SafetyRegistryChange } from './safety-audit.js';
export { AUDIT_EXPORT_BUCKET, AuditExport, AuditExportError, AuditExportErrors, DEFAULT_AUDIT_EXPORT_EVERY_MS, type ExportComparison } from './audit-export.js';
