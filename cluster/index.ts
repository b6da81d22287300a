export { HashringPlacement, createHashringPlacement } from './hashring-placement.js';
export {
  COUCH_STATE_STORE_MODULE,
  DEFAULT_COUCH_DB,
  DEFAULT_DATA_DIR,
  MEMORY_STORE,
  couchStoreRef,
  defaultNodeOptions,
  startDefaultNode,
  startStateBackend,
  type StateBackend,
} from './default-node.js';
export { WORKER_SUPERVISOR } from './default-node.js';
export { CouchStateStore, createCouchStateStore } from './couch-state-store.js';
export { redactCredentials, type CouchRetryOptions, type CouchStateStoreOptions } from './couch-options.js';
export { EmbeddedCouchError, startEmbeddedCouch, type EmbeddedCouch, type EmbeddedCouchOptions } from './embedded-couch.js';
export { RedisMembership, type MembershipListener, type MembershipStatus, type MembershipStatusListener } from './membership.js';
export { MEMBERSHIP_UNAVAILABLE, MembershipUnavailableError, type RedisMembershipOptions } from './membership-options.js';
export { MemberState, nextView, type MemberChange, type MemberRecord, type MemberSighting, type MembershipView } from './membership-view.js';
export { previewPlacement, type NodeFlow, type PlacementMove, type PlacementPreview } from './placement-preview.js';
export { RedisStreamsTransport } from './redis-streams-transport.js';
export { streamKey as redisStreamKey, type RedisStreamsTransportOptions } from './redis-streams-options.js';
export { StreamDelivery, type ClaimOptions, type DurableTransport } from './redis-streams-delivery.js';
export {
  MalformedEntryError,
  TransportErrorCodes,
  TransportStatus,
  TransportUnavailableError,
  UnavailableReason,
  UnencodableEnvelopeError,
  type RedisStreamsEvents,
  type RedisStreamsStats,
} from './redis-streams-status.js';
export { ENTRY_FORMAT, EnvelopeCodec } from './envelope-codec.js';
export { DEFAULT_REDIS_URL, startClusterNode, type ClusterNodeOptions } from './cluster-node.js';
export { OpsPublisher, OpsPublisherErrors, startOpsPublisher, type OpsPublisherOptions, type OpsRequestHandler } from './ops-publisher.js';
