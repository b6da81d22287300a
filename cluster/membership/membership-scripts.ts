import type { Redis } from 'ioredis';
import type { ClusterKey } from '../cluster-key.js';
import { parseRecord, type MemberRecord, type MemberSighting } from './membership-view.js';

/**
 * The Redis side of membership, as three Lua scripts over this layout (prefix `glass:` by default):
 *
 *   <prefix>members          hash   node id → signed MemberRecord (see signRecord)
 *   <prefix>hb:<node id>     string last heartbeat in Redis server ms, PX downAfterMs
 *   <prefix>members:changes  channel {type: "join" | "leave", id}
 *
 * Every time is Redis's own (TIME inside the script), never a node's clock: nodes on machines whose
 * clocks disagree still agree on who is down. The heartbeat key expires when the node would be
 * declared down, so `EXISTS <prefix>hb:<id>` answers "is it alive" for ops, and a record whose
 * heartbeat key is gone is removed by the next snapshot (a crashed node leaves no litter).
 */
export interface MembershipKeys {
  readonly members: string;
  readonly beatPrefix: string;
  readonly channel: string;
}

export function membershipKeys(prefix: string): MembershipKeys {
  return { members: `${prefix}members`, beatPrefix: `${prefix}hb:`, channel: `${prefix}members:changes` };
}

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

// KEYS: members, beat key, channel. ARGV: id, record JSON, ttl ms, "1" to announce regardless.
// The hash itself outlives the last beat only briefly: a cluster that is gone leaves nothing behind.
// Announces when the record was missing (first start, reaped, Redis restarted empty) so peers
// rebuild at once instead of at their next poll.
const BEAT = `${NOW}local added = redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SET', KEYS[2], now, 'PX', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[3] * 4)
if added == 1 or ARGV[4] == '1' then
  redis.call('PUBLISH', KEYS[3], cjson.encode({ type = 'join', id = ARGV[1] }))
end
return now`;

// KEYS: members. ARGV: beat key prefix. Returns { now, id, record, beat, id, record, beat, ... }.
const SNAPSHOT = `${NOW}local all = redis.call('HGETALL', KEYS[1])
local out = { now }
for i = 1, #all, 2 do
  local beat = redis.call('GET', ARGV[1] .. all[i])
  if beat then
    out[#out + 1] = all[i]
    out[#out + 1] = all[i + 1]
    out[#out + 1] = beat
  else
    redis.call('HDEL', KEYS[1], all[i])
  end
end
return out`;

// KEYS: members, beat key, channel. ARGV: id, tombstone JSON, ttl ms. The tombstone lives as long
// as a heartbeat would, so a peer that missed the message still reads "left", not "down".
const LEAVE = `${NOW}redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SET', KEYS[2], now, 'PX', ARGV[3])
redis.call('PUBLISH', KEYS[3], cjson.encode({ type = 'leave', id = ARGV[1] }))
return now`;

const RECORD_MAC_CONTEXT = 'glass-member/1';

/**
 * A record as it is stored: `{"r": <the record's JSON text>, "m": <MAC, base64>}`, the MAC the
 * cluster key's over the members hash, the node id and the exact text. The scripts store and
 * return it as it is; it is verified here, in JS, after the script: a record that does not verify
 * (written by someone without the key, or moved to another id or cluster) is not a member.
 */
export function signRecord(key: ClusterKey, keys: MembershipKeys, record: MemberRecord): string {
  const r = JSON.stringify(record);
  return JSON.stringify({ r, m: key.mac(RECORD_MAC_CONTEXT, keys.members, record.id, r).toString('base64') });
}

/** The record's JSON text if `stored` is signed for `id`; undefined otherwise. */
export function verifiedRecordJson(key: ClusterKey, keys: MembershipKeys, id: string, stored: string): string | undefined {
  try {
    const value = JSON.parse(stored) as { r?: unknown; m?: unknown };
    if (value === null || typeof value !== 'object' || typeof value.r !== 'string' || typeof value.m !== 'string') return undefined;
    return key.verify(Buffer.from(value.m, 'base64'), RECORD_MAC_CONTEXT, keys.members, id, value.r) ? value.r : undefined;
  } catch {
    return undefined;
  }
}

export interface Snapshot {
  /** Redis server time of the read, in ms. */
  readonly nowMs: number;
  readonly sightings: Map<string, MemberSighting>;
  /** Ids whose record did not verify: not members. */
  readonly forged: readonly string[];
}

/** One round trip: this node's heartbeat, then everybody's, read at the same Redis time. */
export async function beatAndRead(
  redis: Redis,
  key: ClusterKey,
  keys: MembershipKeys,
  record: MemberRecord,
  ttlMs: number,
  announce: boolean,
): Promise<Snapshot> {
  const results = await redis
    .pipeline()
    .eval(BEAT, 3, keys.members, keys.beatPrefix + record.id, keys.channel, record.id, signRecord(key, keys, record), ttlMs, announce ? '1' : '0')
    .eval(SNAPSHOT, 1, keys.members, keys.beatPrefix)
    .exec();
  if (results === null) throw new Error('membership pipeline was discarded');
  for (const [err] of results) if (err) throw err;
  return parseSnapshot(results[1][1], key, keys);
}

export async function readSnapshot(redis: Redis, key: ClusterKey, keys: MembershipKeys): Promise<Snapshot> {
  return parseSnapshot(await redis.eval(SNAPSHOT, 1, keys.members, keys.beatPrefix), key, keys);
}

export async function writeTombstone(redis: Redis, key: ClusterKey, keys: MembershipKeys, tombstone: MemberRecord, ttlMs: number): Promise<void> {
  await redis.eval(LEAVE, 3, keys.members, keys.beatPrefix + tombstone.id, keys.channel, tombstone.id, signRecord(key, keys, tombstone), ttlMs);
}

function parseSnapshot(reply: unknown, key: ClusterKey, keys: MembershipKeys): Snapshot {
  if (!Array.isArray(reply) || reply.length === 0) throw new Error('membership snapshot reply is not an array');
  const sightings = new Map<string, MemberSighting>();
  const forged: string[] = [];
  for (let i = 1; i + 2 < reply.length; i += 3) {
    const id = String(reply[i]);
    const json = verifiedRecordJson(key, keys, id, String(reply[i + 1]));
    if (json === undefined) {
      forged.push(id);
      continue;
    }
    const record = parseRecord(id, json);
    const beatAt = Number(reply[i + 2]);
    if (record !== undefined && Number.isFinite(beatAt)) sightings.set(id, { record, beatAt });
  }
  return { nowMs: Number(reply[0]), sightings, forged };
}
