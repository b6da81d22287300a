import type { NodeMember } from '../../runtime/index.js';

/** What a node writes about itself in the members hash (JSON). */
export interface MemberRecord extends NodeMember {
  /** The node process's start time (its clock): a new value for the same id is a new incarnation. */
  readonly startedAt: number;
  readonly address?: string;
  /** Set by a graceful leave: a tombstone, so a node that missed the message still says "left". */
  readonly leftAt?: number;
}

/** One member as read from Redis: its record and its last heartbeat, both in Redis server time. */
export interface MemberSighting {
  readonly record: MemberRecord;
  readonly beatAt: number;
}

export const MemberState = { live: 'live', down: 'down', left: 'left' } as const;
export type MemberState = (typeof MemberState)[keyof typeof MemberState];

export interface ViewEntry extends MemberSighting {
  readonly state: MemberState;
}

export interface MemberChange {
  /** Live now and not before, or live before as another incarnation (restart, new worker count). */
  readonly joined: string[];
  readonly left: string[];
  readonly down: string[];
}

export interface MembershipView {
  readonly entries: ReadonlyMap<string, ViewEntry>;
  /** Live members sorted by id: every node holding the same entries computes the same list. */
  readonly members: MemberRecord[];
  readonly change: MemberChange;
}

export const EMPTY_VIEW: MembershipView = { entries: new Map(), members: [], change: { joined: [], left: [], down: [] } };

/**
 * Who is down, given the heartbeats read at Redis time `nowMs`: the pure core of membership, kept
 * apart from Redis so the detection rule is unit-tested with fixed times.
 *
 * A member is live while `nowMs - beatAt < downAfterMs`. A live member that vanished from Redis
 * (Redis restarted empty, or a reaper ran) keeps its last known heartbeat and ages out by the same
 * rule: a Redis restart therefore does not flap the ring, because every node beats again well
 * within downAfterMs. Members already down or left that vanished are forgotten.
 *
 * `observedSinceMs` is the Redis time this node could see Redis again after an outage: a vanished
 * member is not judged on time nobody could beat in (its key expired meanwhile), so it gets a full
 * downAfterMs from then to beat again, and a Redis outage does not flap the ring either.
 */
export function nextView(
  prev: MembershipView,
  sightings: ReadonlyMap<string, MemberSighting>,
  nowMs: number,
  downAfterMs: number,
  observedSinceMs = -Infinity,
): MembershipView {
  const entries = new Map<string, ViewEntry>();
  for (const [id, s] of sightings) entries.set(id, { ...s, state: stateOf(s, nowMs, downAfterMs) });
  for (const [id, old] of prev.entries) {
    if (entries.has(id) || old.state !== MemberState.live) continue;
    const kept: MemberSighting = { record: old.record, beatAt: Math.max(old.beatAt, observedSinceMs) };
    entries.set(id, { ...kept, state: stateOf(kept, nowMs, downAfterMs) });
  }
  const joined: string[] = [];
  const left: string[] = [];
  const down: string[] = [];
  for (const [id, e] of entries) {
    const old = prev.entries.get(id);
    const wasLive = old !== undefined && old.state === MemberState.live;
    if (e.state === MemberState.live) {
      if (!wasLive || !sameIncarnation(old.record, e.record)) joined.push(id);
    } else if (wasLive) {
      (e.state === MemberState.left ? left : down).push(id);
    }
  }
  const members: MemberRecord[] = [];
  for (const e of entries.values()) if (e.state === MemberState.live) members.push(e.record);
  members.sort(byId);
  return { entries, members, change: { joined: joined.sort(), left: left.sort(), down: down.sort() } };
}

export function isEmptyChange(change: MemberChange): boolean {
  return change.joined.length === 0 && change.left.length === 0 && change.down.length === 0;
}

/** A record as stored, or undefined when it is not one (written by something else: skipped). */
export function parseRecord(id: string, json: string): MemberRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const r = value as Record<string, unknown>;
  if (r.id !== id || !Number.isInteger(r.workers) || (r.workers as number) < 1) return undefined;
  if (typeof r.startedAt !== 'number') return undefined;
  const record: { -readonly [K in keyof MemberRecord]: MemberRecord[K] } = {
    id,
    workers: r.workers as number,
    startedAt: r.startedAt,
  };
  if (typeof r.address === 'string') record.address = r.address;
  if (typeof r.leftAt === 'number') record.leftAt = r.leftAt;
  return record;
}

function stateOf(s: MemberSighting, nowMs: number, downAfterMs: number): MemberState {
  if (s.record.leftAt !== undefined) return MemberState.left;
  return nowMs - s.beatAt < downAfterMs ? MemberState.live : MemberState.down;
}

function sameIncarnation(a: MemberRecord, b: MemberRecord): boolean {
  return a.workers === b.workers && a.startedAt === b.startedAt && a.address === b.address;
}

function byId(a: NodeMember, b: NodeMember): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
