import type { ActorCell } from './actor-cell.js';
import { ActorTimers } from './actor-timers.js';
import type { Address } from '../address.js';
import { TIMER_SENDER } from '../behaviour.js';
import { Envelope, Lane, NO_REPLY, nodeMessageId } from '../envelope.js';
import { ErrorCodes, GlassError } from '../errors.js';
import type { Router } from '../wire/router.js';
import type { Services } from '../services.js';
import { Ref } from '../wire/ref.js';

/** What a context needs of the host of its actor. */
export interface HostHooks {
  /** Delivers an envelope to an actor of this thread. */
  deliver(e: Envelope): void;
  /** Makes `kind:id` a child of `parent` (activating it if needed). */
  spawnChild(parent: ActorCell, kind: string, id: string): void;
  /** What the node gives its actors (runtime/services.ts). */
  readonly services: Services;
  /** Since when (this thread's clock) the membership has had `node` down; undefined while it is not. */
  nodeDownSince?(node: string): number | undefined;
}

/**
 * An actor's Refs, made on its first send: one per receiver (by kind, then id), each holding the
 * pair's sequence counter, and the address `tell` was last given with its Ref (an actor often
 * tells the same one again). Nothing for an actor that never sends.
 */
export class CellRefs {
  readonly byKind = new Map<string, Map<string, Ref>>();
  lastTo: Address | null = null;
  lastRef: Ref | null = null;
}

/** What every context of one thread shares: one field per context instead of two. */
export interface ContextEnv {
  readonly router: Router;
  readonly host: HostHooks;
}

/**
 * What a handler gets as `ctx`: its own address and state, the sender of the current message, and
 * ways to message others. One per active cell, created on activation.
 */
export class CellContext {
  readonly #cell: ActorCell;
  readonly #env: ContextEnv;
  #self: Address | null = null;

  constructor(cell: ActorCell, env: ContextEnv) {
    this.#cell = cell;
    this.#env = env;
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

  /** Id of the message being handled, unique within the node. */
  get messageId(): number {
    const current = this.#cell.current;
    return current === null ? 0 : nodeMessageId(current);
  }

  get nodeId(): string {
    return this.#env.router.nodeId;
  }

  now(): number {
    return this.#env.router.clock.now();
  }

  /**
   * A read-only fact from the host: since when (on `now()`'s clock) node `node` has been down, as
   * the last membership change that lost it without a leave said; undefined for a node that is
   * not known down (live, departed with a leave, or never seen).
   */
  nodeDownSince(node: string): number | undefined {
    return this.#env.host.nodeDownSince?.(node);
  }

  /**
   * The Ref from this actor to another: its messages carry this actor as sender, numbered per
   * pair. One Ref per receiver is kept, so the pair has one counter however the Ref was obtained.
   */
  ref(kind: string | { readonly kind: string }, id: string): Ref {
    const k = typeof kind === 'string' ? kind : kind.kind;
    // Kind first, then id: both strings are usually reused objects whose hash V8 has cached,
    // where a "kind:id" key would be a new string to build and hash on every send.
    const byKind = (this.#cell.refs ??= new CellRefs()).byKind;
    let byId = byKind.get(k);
    if (byId === undefined) byKind.set(k, (byId = new Map()));
    let ref = byId.get(id);
    if (ref === undefined) byId.set(id, (ref = new Ref(k, id, this.#env.router, this.#cell)));
    return ref;
  }

  tell(to: Address, msg: unknown): void {
    const refs = this.#cell.refs;
    let ref = refs === null ? null : refs.lastRef;
    // The same object, still naming the same actor (an address object may be changed and reused).
    if (ref === null || to !== refs!.lastTo || to.id !== ref.id || to.kind !== ref.kind) {
      ref = this.ref(to.kind, to.id);
      const made = this.#cell.refs!;
      made.lastRef = ref;
      made.lastTo = to;
    }
    ref.tell(msg);
  }

  ask(to: Address, msg: unknown, options?: { timeoutMs?: number }): Promise<unknown> {
    return this.ref(to.kind, to.id).ask(msg, options);
  }

  get timers(): ActorTimers {
    const cell = this.#cell;
    return (cell.timers ??= new ActorTimers(this.#env.router.clock, (msg) =>
      this.#env.host.deliver(new Envelope(cell.key, TIMER_SENDER, this.#env.router.ids.next(), 0, msg, undefined, Lane.USER, NO_REPLY, 0, this.#env.router.thread)),
    ));
  }

  /**
   * Spawns (or finds) a child, supervised by this actor: its id is `<this id>/<name>`, so placement
   * puts it on this actor's worker, and this actor's strategy decides what a failure of it restarts.
   */
  spawn(kind: string | { readonly kind: string }, name: string): Ref {
    const k = typeof kind === 'string' ? kind : kind.kind;
    if (typeof name !== 'string' || name.length === 0 || name.includes('/')) {
      throw new GlassError(ErrorCodes.INVALID_ADDRESS, 'a child name is a non-empty string without "/"');
    }
    const id = this.#cell.id + '/' + name;
    this.#env.host.spawnChild(this.#cell, k, id);
    return this.ref(k, id);
  }

  /** A service of the node (NodeOptions.services): throws GLASS_ERR_UNKNOWN_SERVICE when it has none of that name. */
  service<T>(name: string): T {
    return this.#env.host.services.get<T>(name);
  }

  /** Passivates this actor once the current message is handled (state saved, timers cancelled). */
  passivate(): void {
    this.#cell.passivateRequested = true;
  }
}
