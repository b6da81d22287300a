// `gm-queue:all`: the human GM queue of the whole cluster, one actor (escalations are rare: it is
// not a hot spot). Sessions tell it when they need a person and when they no longer do; moderators
// list it and take items (the moderation HTTP API); every gateway node with a moderator socket
// registers (`watch`) and is told of each change, which it publishes to its moderator sockets.
import { GATEWAY_KIND, GlassError } from '../../runtime/index.js';
import { BudgetErrors } from '../actor-errors.js';
import { defineActor, type ActorContext } from '../define-actor.js';
import { budgetServiceOf } from './budget-actor.js';
import { escalate, openCount, queueOf, resolve, take, GM_QUEUE_REASONS, type GmQueue, type GmQueueItem, type GmQueueReason } from './gm-queue.js';

/** The one GM queue actor's id. */
export const GM_QUEUE_ID = 'all';
/** Gateway nodes told of changes; past it the one that registered longest ago is dropped. */
export const GM_WATCHERS_LIMIT = 64;

export interface GmQueueState {
  queue: GmQueue;
  /** Gateway node → when it last registered. */
  watchers: Record<string, number>;
}

/** What a moderator socket is sent (through its gateway), as is: the `gm-queue` server frame. */
export interface GmQueueEvent {
  type: 'gm-queue';
  change: 'escalated' | 'taken' | 'resolved';
  item: GmQueueItem;
  /** Items in the queue after the change, and those nobody took. */
  depth: number;
  open: number;
}

export interface GmQueueDelivery {
  type: 'gm-queue-event';
  event: GmQueueEvent;
}

type Ctx = ActorContext<GmQueueState>;

export const gmQueue = defineActor({
  kind: 'gm-queue',
  persistence: { save: 'every-message' },
  readOnly: ['list'],
  initialState: (): GmQueueState => ({ queue: { items: [], next: 0 }, watchers: {} }),
  onActivate(ctx) {
    ctx.state.queue = queueOf(ctx.state.queue);
    if (ctx.state.watchers === null || typeof ctx.state.watchers !== 'object') ctx.state.watchers = {};
  },
  handlers: {
    escalate(ctx, msg: { session: string; world: string; reason: GmQueueReason; holding: boolean; spentUsd?: number; limitUsd?: number | null }) {
      if (typeof msg.session !== 'string' || typeof msg.world !== 'string' || !(GM_QUEUE_REASONS as readonly unknown[]).includes(msg.reason)) return { queued: false };
      const { item, changed } = escalate(ctx.state.queue, { session: msg.session, world: msg.world, reason: msg.reason, holding: msg.holding === true, spentUsd: msg.spentUsd, limitUsd: msg.limitUsd }, ctx.now());
      if (changed) notify(ctx, 'escalated', item);
      return { queued: true, id: item.id };
    },

    resolve(ctx, msg: { session: string; reason?: GmQueueReason }) {
      const item = resolve(ctx.state.queue, msg.session, msg.reason);
      if (item !== undefined) notify(ctx, 'resolved', item);
      return { resolved: item !== undefined };
    },

    list(ctx, _msg: {}) {
      const q = ctx.state.queue;
      return { items: q.items.slice(), depth: q.items.length, open: openCount(q) };
    },

    take(ctx, msg: { session: string; moderator: string }) {
      const item = take(ctx.state.queue, msg.session, msg.moderator, ctx.now());
      if (item === undefined) throw new GlassError(BudgetErrors.GM_ITEM_NOT_FOUND, `session ${String(msg.session).slice(0, 120)} is not in the GM queue`);
      notify(ctx, 'taken', item);
      return { item: { ...item } };
    },

    /** A gateway node with moderator sockets: tell it of every change from now on. */
    watch(ctx, msg: { node: string }) {
      const w = ctx.state.watchers;
      if (typeof msg.node !== 'string' || msg.node.length === 0 || msg.node.length > 200) return { watching: false };
      w[msg.node] = ctx.now();
      const nodes = Object.keys(w);
      if (nodes.length > GM_WATCHERS_LIMIT) {
        nodes.sort((a, b) => w[a]! - w[b]!);
        for (const n of nodes.slice(0, nodes.length - GM_WATCHERS_LIMIT)) delete w[n];
      }
      const q = ctx.state.queue;
      return { watching: true, depth: q.items.length, open: openCount(q) };
    },
  },
});

function notify(ctx: Ctx, change: GmQueueEvent['change'], item: GmQueueItem): void {
  const q = ctx.state.queue;
  const event: GmQueueEvent = { type: 'gm-queue', change, item: { ...item }, depth: q.items.length, open: openCount(q) };
  const delivery: GmQueueDelivery = { type: 'gm-queue-event', event };
  for (const node of Object.keys(ctx.state.watchers)) ctx.tell({ kind: GATEWAY_KIND, id: node }, delivery);
  budgetServiceOf(ctx)?.report({ type: 'gm-queue', depth: event.depth, open: event.open, ...(change === 'escalated' && { escalated: { session: item.session, world: item.world, reason: item.reason } }) });
}
