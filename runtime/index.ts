// The worker-safe entry of the runtime layer: the core, the interfaces, the wire and what a worker
// hosts. Other layers import from here (or, on the main thread only, from runtime/node/index.ts),
// never from its files. Nothing reached from here may load runtime/node/.
export { type Address, GATEWAY_KIND, addressKey, validateAddress } from './address.js';
export { DEFAULT_PERSISTENCE, SavePolicy, type ActorBehaviour, type ActorModule, type PersistenceSpec } from './behaviour.js';
export { type Clock, type TimerHandle, ManualClock, systemClock } from './clock.js';
export type { WorkerControl, WorkerStats } from './host/control-api.js';
export type { ActorSnapshot, ActorFailure } from './host/actor-host.js';
export { ActorHost } from './host/actor-host.js';
export { CellContext } from './host/actor-context.js';
export type { ActorTimers } from './host/actor-timers.js';
export { CellStatus } from './host/actor-cell.js';
export { type DeadLetter, DeadLetterLog } from './dead-letters.js';
export { Envelope, Lane } from './envelope.js';
export {
  AskTimeoutError,
  ErrorCodes,
  GlassError,
  InvalidOptionError,
  MailboxFullError,
  UnknownKindError,
  type ErrorCode,
  type WireError,
} from './errors.js';
export { createLogger, type Logger } from './logger.js';
export {
  MAX_TIMER_MS,
  atLeastOption,
  durationOption,
  integerOption,
  nonEmptyStringOption,
  objectOption,
  positiveIntegerOption,
  stringOption,
  urlOption,
} from './options-check.js';
export { DEFAULT_MAILBOX, OverflowPolicy, validateMailboxOptions, type MailboxOptions } from './mailbox.js';
export type { ModuleRef } from './module-ref.js';
export {
  SCENE_CACHE_MAX_ENTRIES,
  SCENE_CACHE_SERVICE,
  SCENE_CACHE_TTL_MS,
  SCENE_SNAPSHOT_MOMENTUM_LIMIT,
  SCENE_SNAPSHOT_SUMMARY_LIMIT,
  checkSceneKey,
  checkSceneSnapshot,
  type SceneCache,
  type SceneSnapshot,
} from './scene-cache.js';
export { NO_SERVICES, ServiceErrors, Services, type MainService, type MainServiceInit, type ServiceSpec, type WorkerServiceInit } from './services.js';
export { withEdgeSpan } from './trace.js';
export type { Membership } from './membership.js';
export {
  MAX_LIST_PAGE,
  MAX_OBJECT_BYTES,
  MAX_OBJECT_KEY_BYTES,
  OBJECTS_SERVICE,
  ObjectKeyError,
  ObjectStoreError,
  ObjectStoreErrors,
  ObjectTooLargeError,
  checkObjectKey,
  checkObjectPrefix,
  compareObjectKeys,
  pageLimit,
  type GetOptions,
  type ListOptions,
  type ListPage,
  type ObjectInfo,
  type ObjectStore,
  type ObjectVersion,
} from './object-store.js';
export type { ActorQuery, ActorSample, KindSample, SampleOptions, WorkerSample } from './host/metrics-sample.js';
export { sameMembers, type Location, type NodeMember, type Placement, type PlacementInit } from './placement.js';
export { Ref } from './wire/ref.js';
export { RingBuffer } from './ring-buffer.js';
export type { Router } from './wire/router.js';
export { WorkerRouter, type NodeLink, type NodeLinkHooks, type NodeLinkInit, type WorkerNodeLink, type WorkerRouterOptions } from './wire/worker-router.js';
export {
  MEMORY_STORE,
  MemoryStateStore,
  StoreConflictError,
  StoreUnavailableError,
  createMemoryStateStore,
  type StateStore,
  type SeqTable,
  type StoredState,
} from './state-store.js';
export { stateJson } from './state-json.js';
export { LOOPBACK_RECEIPT, LocalTransport, NoRouteError, type Deliver, type DeliveryReceipt, type Transport } from './transport.js';
export { QuarantineLog, type QuarantinedMessage } from './quarantine.js';
export {
  DEFAULT_SUPERVISION,
  Directive,
  EscalationTarget,
  Strategy,
  newRestartRecord,
  resolveSupervision,
  type BackoffSpec,
  type Escalation,
  type FailureReport,
  type RestartRecord,
  type RestartStrategy,
  type SupervisionDecision,
  type SupervisionSpec,
  type Supervisor,
  type ThreadExit,
} from './supervision.js';
export {
  MAX_WORKFLOW_ID,
  MAX_WORKFLOW_INPUT_BYTES,
  MAX_WORKFLOW_RESULT_BYTES,
  RESULT_WAIT_MS,
  RESULT_WORKFLOWS,
  WORKFLOW_SERVICE,
  WORKFLOW_TYPES,
  WorkflowErrors,
  checkRunnerWorkflowId,
  consolidationWorkflowId,
  fanOutWorkflowId,
  workflowResultOf,
  workflowStartOf,
  type WorkflowStart,
  type WorkflowStartResult,
  type WorkflowStarter,
  type WorkflowType,
} from './workflow-starter.js';
export {
  SEARCH_KINDS,
  SearchError,
  SearchErrors,
  SearchLimits,
  validateSearchDocument,
  validateSearchQuery,
  type SearchDocument,
  type SearchErrorCode,
  type SearchHit,
  type SearchIndex,
  type SearchKind,
  type SearchQuery,
} from './search-index.js';
