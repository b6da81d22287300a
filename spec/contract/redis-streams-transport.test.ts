import { after } from 'node:test';
import { Redis } from 'ioredis';
import { RedisStreamsTransport, redisStreamKey, type RedisStreamsTransportOptions } from '../../cluster/index.js';
import { transportContract } from './transport.contract.js';
import { OwnRedisServer, SHARED_REDIS_URL, deleteKeys, uniquePrefix } from './transport-redis-server.js';

const prefix = uniquePrefix('contract');
const admin = new Redis(SHARED_REDIS_URL);
after(async () => {
  await deleteKeys(SHARED_REDIS_URL, prefix);
  admin.disconnect();
});

// Short backoff caps keep recovery after the restart test quick; the bounds stay the defaults'.
const tuning: Partial<RedisStreamsTransportOptions> = { retryMaxDelayMs: 100, blockMs: 500, closeTimeoutMs: 2_000 };

transportContract('RedisStreamsTransport', {
  create: (nodeId) => new RedisStreamsTransport({ nodeId, redis: SHARED_REDIS_URL, prefix, ...tuning }),
  multiNode: true,
  encodes: true,
  durable: {
    flush: (t) => t.flush(),
    flushAcks: async (t) => {
      await t.flushAcks();
    },
    trim: (t, node) => t.trim(node),
    claimFrom: (t, deadNode, minIdleMs, includeUndelivered) => t.claimFrom(deadNode, { minIdleMs, includeUndelivered }),
    stored: (node) => admin.xlen(redisStreamKey(prefix, node)),
  },
  restartable: async (body) => {
    const server = await OwnRedisServer.start();
    const own = uniquePrefix('restart');
    try {
      await body((nodeId) => new RedisStreamsTransport({ nodeId, redis: server.url, prefix: own, ...tuning, giveUpAfterMs: 30_000 }), server);
    } finally {
      await server.dispose();
    }
  },
});
