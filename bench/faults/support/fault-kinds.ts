// Kinds the fault suite's node process hosts (loaded by its worker threads by URL): one that blocks
// its worker, one that keeps what it was told (saved after every message), one with a poison message.
// Worker-side: it imports the actors layer's public entry only.
import { defineActor } from '../../../actors/index.js';

/** Most items a keeper holds (bounded: the suite says fewer). */
const MAX_ITEMS = 500;

/** Blocks its worker on `spin` (a handler that never returns); answers `ping` otherwise. */
export const stuck = defineActor({
  kind: 'fault-stuck',
  initialState: () => ({ pings: 0 }),
  handlers: {
    spin(_ctx, _msg: {}) {
      for (;;) {
        // never returns: no event-loop turn on this worker from here on
      }
    },
    ping(ctx, _msg: {}) {
      ctx.state.pings++;
      return 'pong';
    },
  },
});

/** Keeps the items it is given, saved after every message: an acknowledged `add` is in the store. */
export const keeper = defineActor({
  kind: 'fault-keeper',
  initialState: () => ({ items: [] as string[] }),
  persistence: { save: 'every-message' },
  handlers: {
    add(ctx, msg: { item: string }) {
      if (ctx.state.items.length >= MAX_ITEMS) ctx.state.items.shift();
      ctx.state.items.push(String(msg.item).slice(0, 200));
      return ctx.state.items.length;
    },
    items(ctx, _msg: {}) {
      return ctx.state.items;
    },
  },
});

/**
 * Throws on a negative `n` every time: after `poisonAfter` attempts the message is quarantined.
 * Its restart budget is large so that the case sees the poison quarantined each time, not the actor
 * stopped by restart intensity (that is another rule).
 */
export const picky = defineActor({
  kind: 'fault-picky',
  initialState: () => ({ done: 0 }),
  supervision: { poisonAfter: 2, maxRestarts: 100, withinMs: 60_000, backoff: { minMs: 5, maxMs: 20, randomFactor: 0, resetAfterMs: 60_000 } },
  handlers: {
    work(ctx, msg: { n: number }) {
      if (msg.n < 0) throw new Error(`cannot work on ${msg.n}`);
      ctx.state.done++;
      return ctx.state.done;
    },
  },
});

export const actors = [stuck, keeper, picky];
