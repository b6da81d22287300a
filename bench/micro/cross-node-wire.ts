// What the cross-node scenario actually put on Redis: bytes per envelope and envelopes per entry
// of the stored entries, ours and the baseline's.
import { Redis } from 'ioredis';
import { EnvelopeCodec, redisStreamKey } from '../../cluster/index.js';
import { REDIS_URL } from './cluster-helpers.js';

export interface WireBytes {
  entries: number;
  envelopes: number;
  /** Payload bytes (format byte included) per envelope, over the entries read. */
  bytesPerEnvelope: number | null;
  envelopesPerEntry: number | null;
}

/** Per direction: pings (the stream node B reads) and pongs (node A's), each side. */
export interface Wire {
  ours: { pings: WireBytes; pongs: WireBytes };
  baseline: { pings: WireBytes; pongs: WireBytes };
}

/**
 * Sizes the last 2,000 stored entries of each stream. Per direction, since a ping and a pong
 * differ in size and a mix would depend on how entries happened to be batched. The latest
 * entries: the runtime may have trimmed its older ones, and ids and sequence numbers grow over a
 * run (a few bytes), so both sides are read at about the same point.
 */
export async function wireBytes(prefix: string, ids: readonly string[]): Promise<Wire> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  const codec = new EnvelopeCodec();
  const measure = async (stream: string): Promise<WireBytes> => {
    let entries = 0;
    let envelopes = 0;
    let bytes = 0;
    const list = (await redis.xrevrangeBuffer(stream, '+', '-', 'COUNT', 2_000)) as [Buffer, Buffer[]][];
    for (const [id, fields] of list) {
      for (let i = 0; i + 1 < fields.length; i += 2) {
        if (fields[i].toString() !== 'e') continue;
        entries++;
        bytes += fields[i + 1].length;
        envelopes += codec.decode(fields[i + 1], stream, id.toString()).length;
      }
    }
    return {
      entries,
      envelopes,
      bytesPerEnvelope: envelopes === 0 ? null : Math.round((bytes / envelopes) * 10) / 10,
      envelopesPerEntry: entries === 0 ? null : Math.round((envelopes / entries) * 10) / 10,
    };
  };
  try {
    await redis.connect();
    return {
      ours: { pings: await measure(redisStreamKey(prefix, ids[1])), pongs: await measure(redisStreamKey(prefix, ids[0])) },
      baseline: { pings: await measure(`${prefix}:baseline:b`), pongs: await measure(`${prefix}:baseline:a`) },
    };
  } finally {
    redis.disconnect();
  }
}
