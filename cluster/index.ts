export { HashringPlacement, createHashringPlacement } from './placement/hashring-placement.js';
export { COUCH_STATE_STORE_MODULE, GAME_ACTORS, HASHRING_PLACEMENT, MEMORY_STORE, WORKER_SUPERVISOR } from './worker-modules.js';
export {
  DEFAULT_COUCH_DB,
  DEFAULT_DATA_DIR,
  couchStoreRef,
  defaultNodeOptions,
  startDefaultNode,
  startStateBackend,
  type StateBackend,
} from './default-node.js';
export { CouchStateStore, createCouchStateStore } from './couch/couch-state-store.js';
export { redactCredentials, type CouchRetryOptions, type CouchStateStoreOptions } from './couch/couch-options.js';
export { EmbeddedCouchError, startEmbeddedCouch, type EmbeddedCouch, type EmbeddedCouchOptions } from './couch/embedded-couch.js';
export { RedisMembership, type MembershipListener, type MembershipStatus, type MembershipStatusListener } from './membership/membership.js';
export { MEMBERSHIP_UNAVAILABLE, MembershipUnavailableError, type RedisMembershipOptions } from './membership/membership-options.js';
export { MemberState, nextView, type MemberChange, type MemberRecord, type MemberSighting, type MembershipView } from './membership/membership-view.js';
export { previewPlacement, type NodeFlow, type PlacementMove, type PlacementPreview } from './placement/placement-preview.js';
export { RedisStreamsTransport } from './streams/redis-streams-transport.js';
export { streamKey as redisStreamKey, type RedisStreamsTransportOptions } from './streams/redis-streams-options.js';
export { StreamDelivery, type ClaimOptions, type DurableTransport } from './streams/redis-streams-delivery.js';
export {
  MalformedEntryError,
  TransportErrorCodes,
  TransportStatus,
  TransportUnavailableError,
  UnavailableReason,
  UnencodableEnvelopeError,
  type RedisStreamsEvents,
  type RedisStreamsStats,
} from './streams/redis-streams-status.js';
export { ENTRY_FORMAT, EnvelopeCodec } from './streams/envelope-codec.js';
export { DEFAULT_REDIS_URL, startClusterNode, type ClusterNodeOptions } from './cluster-node.js';
export { OpsPublisher, OpsPublisherErrors, startOpsPublisher, type OpsPublisherOptions, type OpsRequestHandler } from './ops/ops-publisher.js';
