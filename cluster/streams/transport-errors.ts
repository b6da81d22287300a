// A leaf module (no imports): the protocol lists these codes for its clients, the SDK included,
// since a rejected ask carries them to a player, without loading the transport and ioredis.

/**
 * Codes the Redis Streams transport adds to the runtime's ErrorCodes. They belong in
 * runtime/errors.ts once the transport is wired into the node; until then they live here so that
 * the cluster layer does not edit the runtime's table.
 */
export const TransportErrorCodes = {
  /** Redis could not take an envelope within the retry bound, or the send queue is full. */
  TRANSPORT_UNAVAILABLE: 'GLASS_ERR_TRANSPORT_UNAVAILABLE',
  /** A stream entry that this version cannot decode (wrong format byte, truncated, not an envelope). */
  MALFORMED_ENTRY: 'GLASS_ERR_MALFORMED_ENTRY',
  /** A stream entry whose MAC is missing or wrong: not written by a node holding the cluster key, or copied from another stream. */
  FORGED_ENTRY: 'GLASS_ERR_FORGED_ENTRY',
  /** A call the transport's state does not allow (start twice, claim one's own stream). */
  TRANSPORT_STATE: 'GLASS_ERR_TRANSPORT_STATE',
} as const;
