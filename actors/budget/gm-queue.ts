// The human GM queue's contents, pure: sessions that need a person (their world near or past its
// budget, or every narrator of their chain down), one item per session, bounded.

export const GM_QUEUE_REASONS = ['budget', 'outage'] as const;
export type GmQueueReason = (typeof GM_QUEUE_REASONS)[number];

/** Items the queue keeps; past it the oldest taken item (else the oldest) makes room. */
export const GM_QUEUE_LIMIT = 500;

export interface GmQueueItem {
  /** Stable while the item is in the queue. */
  id: number;
  session: string;
  world: string;
  reason: GmQueueReason;
  /** When the session escalated (its actor's clock). */
  since: number;
  /** The session's turns wait for a human GM (policy `wait`); false: they go on offline. */
  holding: boolean;
  spentUsd?: number;
  limitUsd?: number | null;
  /** The moderator who took it, and when. */
  takenBy?: string;
  takenAt?: number;
}

export interface GmQueue {
  items: GmQueueItem[];
  next: number;
}

export type Escalation = Pick<GmQueueItem, 'session' | 'world' | 'reason' | 'holding'> & { spentUsd?: number; limitUsd?: number | null };

/** Adds or updates the session's item; returns it and whether moderators should hear of it (new, or its reason or hold changed). */
export function escalate(queue: GmQueue, e: Escalation, now: number): { item: GmQueueItem; changed: boolean } {
  const existing = queue.items.find((i) => i.session === e.session);
  if (existing !== undefined) {
    const changed = existing.reason !== e.reason || existing.holding !== e.holding;
    Object.assign(existing, { reason: e.reason, holding: e.holding, world: e.world });
    if (e.spentUsd !== undefined) existing.spentUsd = e.spentUsd;
    if (e.limitUsd !== undefined) existing.limitUsd = e.limitUsd;
    return { item: existing, changed };
  }
  if (queue.items.length >= GM_QUEUE_LIMIT) {
    const taken = queue.items.findIndex((i) => i.takenBy !== undefined);
    queue.items.splice(taken >= 0 ? taken : 0, 1);
  }
  const item: GmQueueItem = { id: ++queue.next, session: e.session, world: e.world, reason: e.reason, since: now, holding: e.holding };
  if (e.spentUsd !== undefined) item.spentUsd = e.spentUsd;
  if (e.limitUsd !== undefined) item.limitUsd = e.limitUsd;
  queue.items.push(item);
  return { item, changed: true };
}

/** Removes the session's item (only if it is for `reason`, when given); returns it. */
export function resolve(queue: GmQueue, session: string, reason?: GmQueueReason): GmQueueItem | undefined {
  const i = queue.items.findIndex((it) => it.session === session && (reason === undefined || it.reason === reason));
  if (i < 0) return undefined;
  return queue.items.splice(i, 1)[0];
}

/** Marks the session's item taken by `moderator`; undefined when it is not in the queue. */
export function take(queue: GmQueue, session: string, moderator: string, now: number): GmQueueItem | undefined {
  const item = queue.items.find((i) => i.session === session);
  if (item === undefined) return undefined;
  item.takenBy = moderator;
  item.takenAt = now;
  return item;
}

/** Items nobody took yet. */
export function openCount(queue: GmQueue): number {
  let n = 0;
  for (const i of queue.items) if (i.takenBy === undefined) n++;
  return n;
}

/** A queue read back from a store: anything malformed is dropped, not trusted. */
export function queueOf(raw: unknown): GmQueue {
  const q = raw as Partial<GmQueue> | null | undefined;
  if (q === null || typeof q !== 'object' || !Array.isArray(q.items)) return { items: [], next: 0 };
  const items = q.items.filter(
    (i): i is GmQueueItem =>
      i !== null && typeof i === 'object' && Number.isInteger(i.id) && typeof i.session === 'string' && typeof i.world === 'string' && (GM_QUEUE_REASONS as readonly unknown[]).includes(i.reason) && typeof i.since === 'number',
  );
  const next = Number.isInteger(q.next) && (q.next as number) >= 0 ? (q.next as number) : items.reduce((m, i) => Math.max(m, i.id), 0);
  return { items: items.slice(-GM_QUEUE_LIMIT), next };
}
