// The Redis Streams room: the Transport between nodes (one stream per node, read in a consumer
// group, acknowledged after delivery, claimed from dead nodes), its entry codec and its errors.
export { RedisStreamsTransport } from './redis-streams-transport.js';
export { nodeOfStreamId, streamKey as redisStreamKey, threadStreamId, type RedisStreamsTransportOptions } from './redis-streams-options.js';
export { WORKER_STREAMS, createWorkerStreams, type WorkerStreamsOptions } from './worker-streams.js';
export { MAC_FIELD, NONCE_FIELD, PAYLOAD_FIELD, SENDER_FIELD, entryMac, StreamDelivery, type ClaimOptions, type DurableTransport } from './redis-streams-delivery.js';
export {
  ForgedEntryError,
  MalformedEntryError,
  ReplayedEntryError,
  TransportErrorCodes,
  TransportStatus,
  TransportUnavailableError,
  UnavailableReason,
  UnencodableEnvelopeError,
  type RedisStreamsEvents,
  type RedisStreamsStats,
} from './redis-streams-status.js';
export { DrainedStream } from './redis-streams-upkeep.js';
export { ENTRY_FORMAT, EnvelopeCodec } from './envelope-codec.js';
export { MAX_INCARNATIONS, MAX_STREAM_SENDERS, NonceCheck, NonceSource, ReplayWindow } from './replay-window.js';
