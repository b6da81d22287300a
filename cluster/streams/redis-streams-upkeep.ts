// Work on a stream besides its owner's reading: trimming what every reader is done with, and
// taking over what a dead node left. Both run on the command connection.
import type { Redis } from 'ioredis';
import type { EnvelopeCodec } from './envelope-codec.js';
import { ensureGroup } from './redis-streams-connection.js';
import { autoclaimReply, entryList, readGroupEntries, toDelivery, type AckSink, type RawEntry, type StreamDelivery } from './redis-streams-delivery.js';
import type { ClusterKey } from '../cluster-key.js';
import { ForgedEntryError, type MalformedEntryError } from './redis-streams-status.js';
import type { ReplayWindow } from './replay-window.js';

/**
 * Trims a stream below the oldest entry some reader still needs, in one script so that nothing is
 * delivered or acknowledged between the look and the cut. For every consumer group the floor is
 * its oldest pending id (XPENDING summary) — delivered, not acknowledged — or, with nothing
 * pending, the id just after its last-delivered-id: the oldest entry not yet delivered. The
 * stream is cut at the lowest floor of all groups (XTRIM MINID, exact), so an entry goes only when
 * every group has delivered and acknowledged it. A stream without any group is left alone: no
 * reader ever said what it has seen.
 *
 * Returns {floor, trimmed}, or false when there is no stream or no group.
 */
const TRIM_SCRIPT = `
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return false end
local function parse(id)
  local dash = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end
local function below(a, b)
  local ams, aseq = parse(a)
  local bms, bseq = parse(b)
  return ams < bms or (ams == bms and aseq < bseq)
end
local floor = false
for _, g in ipairs(redis.call('XINFO', 'GROUPS', key)) do
  local name, last
  for i = 1, #g, 2 do
    if g[i] == 'name' then name = g[i + 1] elseif g[i] == 'last-delivered-id' then last = g[i + 1] end
  end
  local keep
  local pending = redis.call('XPENDING', key, name)
  if pending[1] > 0 then
    keep = pending[2]
  else
    local ms, seq = parse(last)
    keep = string.format('%d-%d', ms, seq + 1)
  end
  if floor == false or below(keep, floor) then floor = keep end
end
if floor == false then return false end
return {floor, redis.call('XTRIM', key, 'MINID', floor)}
`;

export interface TrimResult {
  /** Entries below this id were removed; it and everything after it are kept. */
  floor: string;
  trimmed: number;
}

/** Trims `stream` as described above; null when there was nothing to decide on. */
export async function trimStream(redis: Redis, stream: string): Promise<TrimResult | null> {
  const reply = (await redis.eval(TRIM_SCRIPT, 1, stream)) as [string, number] | null;
  if (reply === null) return null;
  return { floor: reply[0], trimmed: reply[1] };
}

export interface ClaimRequest {
  stream: string;
  group: string;
  /** The claiming node's id: claimed entries become its pending entries in the dead node's stream. */
  consumer: string;
  minIdleMs: number;
  includeUndelivered: boolean;
  /** Claimed entries are verified like read ones. */
  key: ClusterKey;
  /**
   * When given (the sweep): entries pending under a consumer not in this set (a dead node, or a
   * claimer that died mid-drain) are claimed whatever their idle time; entries of live consumers
   * only past `minIdleMs`, as without it.
   */
  liveConsumers?: ReadonlySet<string>;
  /** Claimed entries go through the claimer's replay window like read ones. */
  replays: ReplayWindow;
  count: number;
}

export interface ClaimResult {
  deliveries: StreamDelivery[];
  malformed: MalformedEntryError[];
  /** Entries that failed verification: acknowledged and deleted, never delivered. */
  forged: ForgedEntryError[];
}

/**
 * Takes over a dead node's stream. First XAUTOCLAIM: the entries it read and never acknowledged
 * (pending longer than `minIdleMs`, so a live but slow reader keeps its own); then, when asked,
 * XREADGROUP `>`: the entries it never read. Pending ids all precede undelivered ones, so the
 * result is in stream order, which is send order per sender.
 *
 * The claimer acknowledges each delivery once it has handled or re-sent it; the entry is then
 * deleted too (nobody reads that stream any more, and an entry left behind would be claimed again
 * after the next failure). If the claimer dies first, the entries stay pending under its name and
 * the next claim takes them again.
 */
export async function claimStream(redis: Redis, request: ClaimRequest, codec: EnvelopeCodec, acks: AckSink): Promise<ClaimResult> {
  const result: ClaimResult = { deliveries: [], malformed: [], forged: [] };
  if ((await redis.exists(request.stream)) === 0) return result;
  // The dead node may never have created its group (it died before reading anything).
  await ensureGroup(redis, request.stream, request.group, false);
  const { stream, group, consumer, count } = request;
  if (request.liveConsumers !== undefined) await claimOrphans(redis, request, request.liveConsumers, codec, acks, result);
  let cursor = '0-0';
  do {
    const reply = await redis.callBuffer('XAUTOCLAIM', stream, group, consumer, request.minIdleMs, cursor, 'COUNT', count);
    const page = autoclaimReply(reply);
    cursor = page.cursor;
    for (const entry of page.entries) take(entry, codec, request, acks, result);
  } while (cursor !== '0-0');
  if (!request.includeUndelivered) return result;
  for (;;) {
    const entries = readGroupEntries(await redis.callBuffer('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>'));
    if (entries.length === 0) break;
    for (const entry of entries) take(entry, codec, request, acks, result);
  }
  return result;
}

/**
 * Claims the pending entries of consumers that are not live, page by page (XPENDING, then XCLAIM).
 * XCLAIM's min-idle is the least idle time the page showed for them: an entry another claim took
 * in between has its idle time reset, so it is not taken a second time.
 */
async function claimOrphans(redis: Redis, request: ClaimRequest, live: ReadonlySet<string>, codec: EnvelopeCodec, acks: AckSink, result: ClaimResult): Promise<void> {
  const { stream, group, consumer, count } = request;
  let start = '-';
  for (;;) {
    const page = (await redis.call('XPENDING', stream, group, start, '+', count)) as [string, string, number, number][];
    const orphans = page.filter(([, owner]) => owner !== consumer && !live.has(owner));
    if (orphans.length > 0) {
      let minIdle = Infinity;
      for (const [, , idle] of orphans) minIdle = Math.min(minIdle, idle);
      const reply = await redis.callBuffer('XCLAIM', stream, group, consumer, Math.max(1, minIdle), ...orphans.map(([id]) => id));
      for (const entry of entryList(reply)) take(entry, codec, request, acks, result);
    }
    if (page.length < count) return;
    start = '(' + page[page.length - 1][0];
  }
}

function take(entry: RawEntry, codec: EnvelopeCodec, request: ClaimRequest, acks: AckSink, result: ClaimResult): void {
  // XAUTOCLAIM (Redis 7) drops entries deleted while pending and reports them apart; an entry
  // without fields can still come from an older server or a race with XDEL.
  if (entry.fields === null) return acks.acknowledge(request.stream, entry.id, true);
  try {
    result.deliveries.push(toDelivery(codec, request.key, request.stream, entry as RawEntry & { fields: Buffer[] }, acks, true, null, request.replays));
  } catch (err) {
    acks.acknowledge(request.stream, entry.id, true);
    if (err instanceof ForgedEntryError) result.forged.push(err);
    else result.malformed.push(err as MalformedEntryError);
  }
}

/**
 * Removes a dead node's stream (and its consumer group with it) once it holds no entry at all: a
 * claimed entry is deleted only after it was handled, so an empty stream has nothing left to lose.
 * One script, so that an XADD cannot land between the look and the DEL; a later XADD creates the
 * stream again, and the claimer's watch takes it.
 *
 * Returns 1 when removed, 0 when there was no stream, -1 when entries are left.
 */
const REMOVE_DRAINED_SCRIPT = `
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return 0 end
if redis.call('XLEN', key) > 0 then return -1 end
redis.call('DEL', key)
return 1
`;

export const DrainedStream = { removed: 'removed', absent: 'absent', kept: 'kept' } as const;
export type DrainedStream = (typeof DrainedStream)[keyof typeof DrainedStream];

/** Deletes `stream` if it is empty, as described above. */
export async function removeDrainedStream(redis: Redis, stream: string): Promise<DrainedStream> {
  const reply = (await redis.eval(REMOVE_DRAINED_SCRIPT, 1, stream)) as number;
  return reply === 1 ? DrainedStream.removed : reply === 0 ? DrainedStream.absent : DrainedStream.kept;
}
