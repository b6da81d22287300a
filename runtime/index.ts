// The public entry of the runtime layer. Other layers import from here, never from its files.
export { type Address, addressKey, validateAddress } from './address.js';
export { DEFAULT_PERSISTENCE, SavePolicy, type ActorBehaviour, type ActorModule, type PersistenceSpec } from './behaviour.js';
export { type Clock, type TimerHandle, ManualClock, systemClock } from './clock.js';
export type { WorkerControl, WorkerStats } from './control-api.js';
export type { ActorSnapshot, ActorFailure } from './actor-host.js';
export { ActorHost } from './actor-host.js';
export { CellContext } from './actor-context.js';
export type { ActorTimers } from './actor-timers.js';
export { CellStatus } from './actor-cell.js';
export { type DeadLetter, DeadLetterLog } from './dead-letters.js';
export { Envelope, Lane } from './envelope.js';
export { type EndpointHandler } from './endpoints.js';
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
export { DEFAULT_MAILBOX, OverflowPolicy, validateMailboxOptions, type MailboxOptions } from './mailbox.js';
export type { ModuleRef } from './module-ref.js';
export { withEdgeSpan } from './trace.js';
export { GlassNode, startNode, type ClusterParts, type ClusterStatus } from './node.js';
export type { Membership } from './membership.js';
export { NodeSupervisor, WorkerStatus, type WorkerHandle } from './node-supervisor.js';
export { nestActors, type ActorTreeNode, type SupervisionTree, type WorkerTreeNode } from './supervision-tree.js';
export { defaultNodeId, type NodeOptions } from './node-options.js';
export type { ActorQuery, ActorSample, KindSample, SampleOptions, WorkerSample } from './metrics-sample.js';
export { ProcessSampler, type ProcessSample } from './node-stats.js';
export type { Location, NodeMember, Placement, PlacementInit } from './placement.js';
export { Ref } from './ref.js';
export { RingBuffer } from './ring-buffer.js';
export { Router } from './router.js';
export {
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
  Strategy,
  newRestartRecord,
  resolveSupervision,
  type BackoffSpec,
  type FailureReport,
  type RestartRecord,
  type SupervisionDecision,
  type SupervisionSpec,
  type Supervisor,
} from './supervision.js';
