import type { Lane } from '../envelope.js';
import { NO_REPLY } from '../envelope.js';
import type { RouteCache, Sender, TellOutbox } from '../wire/route.js';
import type { Router } from '../wire/router.js';
import type { ActorCell } from './actor-cell.js';

/** An open outbox with nothing in it yet (shared: opening an outbox allocates nothing). */
const OPEN = Object.freeze([]) as unknown as unknown[];

/** Tells an outbox holds: flat (target, msg, lane, trace) quadruples, sent in that order. */
export type ParkedTells = readonly unknown[];

/**
 * The transactional outbox of `every-message` kinds, the one place that opens, fills, drops and
 * releases it. While a message of such a kind is handled, the tells its handler makes are kept
 * (the cell's `outbox` field holds them) instead of sent; they are sent, in order, only once the
 * state they follow from is saved, and dropped if it is not (a failed or fenced message has no
 * effects). Asks are never parked: their answer is what the handler waits for.
 *
 * The router reaches it only through TellOutbox (wire/route.ts): while a sender's outbox is not
 * null, the router hands it the sender's tells.
 */
export class Outbox implements TellOutbox {
  readonly #router: Router;

  constructor(router: Router) {
    this.#router = router;
  }

  /** Before a handler of an every-message kind runs (unless the message is read-only). */
  open(cell: ActorCell): void {
    cell.outbox = OPEN;
  }

  park(from: Sender, target: RouteCache, msg: unknown, lane: Lane): void {
    const cell = from as ActorCell;
    if (cell.outbox === OPEN) cell.outbox = [];
    cell.outbox!.push(target, msg, lane, cell.current?.trace);
  }

  /** The handler is done: closes the outbox; returns what it holds, to release after the save (null: nothing). */
  take(cell: ActorCell): ParkedTells | null {
    const parked = cell.outbox;
    cell.outbox = null;
    return parked === OPEN ? null : parked;
  }

  /** The handler failed: what it told is never sent. */
  drop(cell: ActorCell): void {
    cell.outbox = null;
  }

  /** Sends what an outbox held, in order, now that the state behind it is saved. */
  release(cell: ActorCell, parked: ParkedTells): void {
    for (let i = 0; i < parked.length; i += 4) {
      this.#router.sendVia(parked[i] as RouteCache, cell, parked[i + 1], parked[i + 2] as Lane, NO_REPLY, 0, parked[i + 3] as string | undefined);
    }
  }
}
