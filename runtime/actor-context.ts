import type { ActorCell } from './actor-cell.js';
import { ActorTimers } from './actor-timers.js';
import { addressKey, type Address } from './address.js';
import { TIMER_SENDER } from './behaviour.js';
import { Envelope, Lane, NO_REPLY } from './envelope.js';
import type { Router } from './router.js';
import { Ref } from './ref.js';

/**
 * What a handler gets as `ctx`: its own address and state, the sender of the current message, and
 * ways to message others. One per active cell, created on activation.
 */
export class CellContext {
  readonly #cell: ActorCell;
  readonly #router: Router;
  readonly #deliverSelf: (e: Envelope) => void;
  #self: Address | null = null;

  constructor(cell: ActorCell, router: Router, deliverSelf: (e: Envelope) => void) {
    this.#cell = cell;
    this.#router = router;
    this.#deliverSelf = deliverSelf;
  }

  get self(): Address {
    return (this.#self ??= Object.freeze({ kind: this.#cell.kind, id: this.#cell.id }));
  }

  get state(): any {
    return this.#cell.state;
  }

  set state(next: any) {
    this.#cell.state = next;
  }

  /** Address key of the sender of the message being handled; null when it came from outside. */
  get sender(): string | null {
    return this.#cell.current?.from ?? null;
  }

  /** Per sender→receiver sequence number of the message being handled. */
  get seq(): number {
    return this.#cell.current?.seq ?? 0;
  }

  get messageId(): number {
    return this.#cell.current?.id ?? 0;
  }

  get nodeId(): string {
    return this.#router.nodeId;
  }

  now(): number {
    return this.#router.clock.now();
  }

  /** A Ref sent from this actor (so its messages carry this actor as sender and sequence). */
  ref(kind: string | { readonly kind: string }, id: string): Ref {
    return new Ref(typeof kind === 'string' ? kind : kind.kind, id, this.#router, this.#cell);
  }

  tell(to: Address, msg: unknown): void {
    this.#router.send(this.#cell, to.kind, to.id, addressKey(to.kind, to.id), msg, Lane.USER);
  }

  ask(to: Address, msg: unknown, options?: { timeoutMs?: number }): Promise<unknown> {
    return this.#router.ask(this.#cell, to.kind, to.id, addressKey(to.kind, to.id), msg, options?.timeoutMs);
  }

  get timers(): ActorTimers {
    const cell = this.#cell;
    return (cell.timers ??= new ActorTimers(this.#router.clock, (msg) =>
      this.#deliverSelf(new Envelope(cell.key, TIMER_SENDER, this.#router.ids.next(), 0, msg, undefined, Lane.USER, NO_REPLY, 0)),
    ));
  }

  /** Passivates this actor once the current message is handled (state saved, timers cancelled). */
  passivate(): void {
    this.#cell.passivateRequested = true;
  }
}
