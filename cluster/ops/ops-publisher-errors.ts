// A leaf module (no imports): the ops API answers with these codes, so the protocol lists them for
// its clients without loading the publisher and ioredis.

export const OpsPublisherErrors = {
  /** No node listens for ops requests under that id (down, or not publishing). */
  UNREACHABLE: 'GLASS_ERR_OPS_UNREACHABLE',
  TIMEOUT: 'GLASS_ERR_OPS_TIMEOUT',
  /** The remote node answered with an error without a code of its own. */
  REMOTE_FAILED: 'GLASS_ERR_OPS_REMOTE_FAILED',
} as const;
