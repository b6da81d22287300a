import { ActorCell, CellStatus } from './actor-cell.js';
import { CellContext, type ContextEnv, type HostHooks } from './actor-context.js';
import type { Clock } from '../clock.js';
import type { Envelope } from '../envelope.js';
import { ErrorCodes, GlassError, MailboxFullError, toWireError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { CellPersistence } from './cell-persistence.js';
import type { Router } from '../wire/router.js';
import type { Handoffs } from './handoff.js';
import type { StateStore } from '../state-store.js';

/** What the lifecycle needs of its host. */
export interface LifecycleHost extends HostHooks {
  readonly cells: Map<string, ActorCell>;
  schedule(cell: ActorCell): void;
}

/**
 * Every state change of a cell other than handling a message: activation (load from the store),
 * restart (rehydrate from the store after a failure, possibly after a backoff), stop, passivation
 * (save to the store), and fencing (another activation owns the actor: step aside without writing).
 */
export class CellLifecycle {
  readonly #host: LifecycleHost;
  readonly #router: Router;
  readonly #handoffs: Handoffs;
  readonly #store: StateStore;
  readonly #persistence: CellPersistence;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #contextEnv: ContextEnv;

  constructor(host: LifecycleHost, router: Router, handoffs: Handoffs, store: StateStore, persistence: CellPersistence, clock: Clock, log: Logger) {
    this.#host = host;
    this.#router = router;
    this.#handoffs = handoffs;
    this.#store = store;
    this.#persistence = persistence;
    this.#clock = clock;
    this.#log = log;
    this.#contextEnv = { router, host };
  }

  /**
   * Loads the state (or starts from initialState), runs onActivate, then lets queued messages run.
   * A restart goes through here too, with the in-memory state thrown away first. `handoff`: a
   * first activation, which may have to wait for the actor's previous node (Handoffs).
   */
  async activate(cell: ActorCell, handoff = false): Promise<void> {
    try {
      // Just moved here from a node that is still up: it lets go (and saves) first.
      if (handoff && cell.parent === null) await this.#handoffs.before(cell.kind, cell.id);
      const stored = await this.#store.load(cell.kind, cell.id);
      cell.state = stored === undefined ? cell.behaviour.initialState(cell.id) : stored.state;
      cell.version = stored === undefined ? null : stored.version;
      cell.epoch = (stored === undefined ? 0 : stored.epoch) + 1;
      cell.seqs = stored?.seqs ?? null;
      cell.dirty = false;
      cell.ctx ??= new CellContext(cell, this.#contextEnv);
      if (cell.behaviour.onActivate !== undefined) await cell.behaviour.onActivate(cell.ctx);
    } catch (err) {
      const message = toWireError(err).message;
      this.#log.error({ actor: cell.key, err: message }, 'activation failed');
      const code = err instanceof GlassError && err.code === ErrorCodes.STORE_FAILED ? ErrorCodes.STORE_FAILED : ErrorCodes.ACTIVATION_FAILED;
      this.#drop(cell, new GlassError(code, `activation of ${cell.key} failed: ${message}`, { actor: cell.key }, { cause: err }), 'activation-failed');
      return;
    }
    cell.status = CellStatus.ACTIVE;
    cell.lastActiveAt = this.#clock.now();
    this.#host.schedule(cell);
  }

  /** Restarts after `delayMs` (backing off): timers and in-memory state go, children restart too. */
  restart(cell: ActorCell, delayMs: number): void {
    this.#quiesce(cell);
    // Handled from other nodes but never saved: their effects go with the in-memory state, so they
    // are queued again (the stored delivery log does not have them) and replayed after rehydration.
    const replay = cell.unsaved;
    cell.unsaved = null;
    if (replay !== null) {
      for (const e of replay) {
        const pushed = cell.mailbox.pushUser(e);
        if (pushed !== true) this.#router.refuse(pushed === false ? e : pushed, new MailboxFullError(cell.key, cell.mailbox.capacity), 'mailbox-full');
      }
    }
    for (const child of this.#children(cell)) this.restart(child, 0);
    cell.status = delayMs > 0 ? CellStatus.BACKING_OFF : CellStatus.RESTARTING;
    const generation = ++cell.generation;
    const rehydrate = (): void => {
      // A later restart (by a parent, by ops) superseded this one: its timer must not activate twice.
      if (cell.generation !== generation) return;
      if (cell.status !== CellStatus.BACKING_OFF && cell.status !== CellStatus.RESTARTING) return;
      cell.status = CellStatus.RESTARTING;
      void this.activate(cell);
    };
    if (delayMs > 0) this.#clock.setTimeout(rehydrate, delayMs);
    else rehydrate();
  }

  /** Ops restart: a stopped or quarantined actor (and its children) comes back from its stored state; an active one is restarted. */
  opsRestart(cell: ActorCell): boolean {
    cell.restarts = null;
    if (cell.status === CellStatus.STOPPED || cell.status === CellStatus.QUARANTINED) {
      cell.generation++;
      cell.status = CellStatus.RESTARTING;
      void this.activate(cell);
      // Its children were stopped with it: they come back with it.
      for (const childKey of cell.children ?? []) {
        const child = this.#host.cells.get(childKey);
        if (child?.parent === cell && (child.status === CellStatus.STOPPED || child.status === CellStatus.QUARANTINED)) this.opsRestart(child);
      }
      return true;
    }
    if (cell.status !== CellStatus.ACTIVE) return false;
    this.restart(cell, 0);
    return true;
  }

  /** Stops an actor (and its children): queued and later messages are refused until restarted. */
  stop(cell: ActorCell, status: typeof CellStatus.STOPPED | typeof CellStatus.QUARANTINED, reason: string): void {
    this.#quiesce(cell);
    for (const child of this.#children(cell)) this.stop(child, status, `parent ${cell.key} stopped`);
    cell.status = status;
    cell.state = undefined;
    this.#persistence.forget(cell);
    const error = stoppedError(cell, reason);
    if (cell.retry !== null) this.#router.refuse(cell.retry, error, status);
    cell.retry = null;
    cell.mailbox.drainTo((e) => this.#router.refuse(e, error, status));
    this.#log.error({ actor: cell.key, status, reason }, 'actor stopped');
  }

  /** Refuses what reaches a stopped actor. */
  refuseStopped(cell: ActorCell, e: Envelope): void {
    this.#router.refuse(e, stoppedError(cell, 'it was stopped by its supervisor'), cell.status);
  }

  /**
   * Passivates: timers cancelled, children passivated first, onPassivate run, state saved. If
   * messages arrived meanwhile the passivation still happened (hooks ran, timers are gone, state
   * is saved) and what follows is a fresh activation. A failed save keeps the actor active.
   */
  async passivate(cell: ActorCell): Promise<boolean> {
    cell.status = CellStatus.PASSIVATING;
    cell.passivateRequested = false;
    // Before anything awaits: a timer firing meanwhile would count as a message that arrived.
    cell.timers?.cancelAll();
    await Promise.all(this.#children(cell).map((child) => (child.status === CellStatus.ACTIVE ? this.passivate(child) : undefined)));
    try {
      if (cell.behaviour.onPassivate !== undefined) await cell.behaviour.onPassivate(cell.ctx);
    } catch (err) {
      this.#log.warn({ actor: cell.key, err: toWireError(err).message }, 'onPassivate failed; saving anyway');
    }
    // Unchanged since its last save (or never changed): nothing to write.
    const outcome = cell.dirty ? await this.#persistence.save(cell, false) : 'saved';
    if (outcome === 'conflict') return this.fence(cell, null), true;
    if (outcome === 'unavailable') {
      cell.status = CellStatus.ACTIVE;
      cell.lastActiveAt = this.#clock.now();
      this.#host.schedule(cell);
      return false;
    }
    if ((cell.mailbox.size > 0 || cell.retry !== null) && this.#router.owns(cell.key)) {
      cell.status = CellStatus.ACTIVATING;
      void this.activate(cell);
      return false;
    }
    // Moved to another thread or node (rebalance): what arrived meanwhile follows it there.
    const held: Envelope[] = [];
    if (cell.retry !== null) held.push(cell.retry);
    cell.retry = null;
    cell.mailbox.drainTo((e) => held.push(e));
    this.#remove(cell, CellStatus.PASSIVATED);
    for (const e of held) this.#router.forward(e);
    return true;
  }

  /**
   * A save was refused with a conflict: another activation wrote since this one loaded, so it owns
   * the actor. This one never writes again: it leaves, and hands what it holds (the message whose
   * effect could not be saved, then its queue) back to the router, which delivers it to the owner.
   */
  fence(cell: ActorCell, unsaved: Envelope | null): void {
    this.#log.warn({ actor: cell.key, epoch: cell.epoch }, 'fenced: another activation owns this actor; forwarding what it holds');
    this.#quiesce(cell);
    // Oldest first: what it handled from other nodes and never saved, then the rest.
    const held: Envelope[] = cell.unsaved ?? [];
    cell.unsaved = null;
    if (unsaved !== null) held.push(unsaved);
    if (cell.retry !== null) held.push(cell.retry);
    cell.retry = null;
    cell.mailbox.drainTo((e) => held.push(e));
    this.#remove(cell, CellStatus.PASSIVATED);
    for (const e of held) this.#router.deliverInbound(e);
  }

  /** Creates (or adopts) the child `kind:id` of `parent`, supervised by it. */
  spawn(parent: ActorCell, key: string, child: ActorCell | undefined, create: () => ActorCell): void {
    const cell = child ?? create();
    if (cell.parent === null) cell.parent = parent;
    const children = (parent.children ??= []);
    if (!children.includes(key)) children.push(key);
  }

  #children(cell: ActorCell): ActorCell[] {
    if (cell.children === null) return [];
    const out: ActorCell[] = [];
    for (const key of cell.children) {
      const child = this.#host.cells.get(key);
      if (child !== undefined && child.parent === cell) out.push(child);
    }
    return out;
  }

  /** Timers off, nothing saved later, in-memory state kept only until the caller decides. */
  #quiesce(cell: ActorCell): void {
    cell.timers?.cancelAll();
    cell.timers = null;
    cell.passivateRequested = false;
    this.#persistence.forget(cell);
  }

  #drop(cell: ActorCell, error: GlassError, reason: string): void {
    const held: Envelope[] = [];
    if (cell.retry !== null) held.push(cell.retry);
    cell.retry = null;
    cell.mailbox.drainTo((e) => held.push(e));
    this.#remove(cell, CellStatus.PASSIVATED);
    for (const e of held) this.#router.refuse(e, error, reason);
  }

  #remove(cell: ActorCell, status: CellStatus): void {
    cell.status = status;
    if (this.#host.cells.get(cell.key) === cell) this.#host.cells.delete(cell.key);
    this.#persistence.forget(cell);
    // A Ref may still point at this cell until its next send: keep nothing big reachable from it.
    cell.state = undefined;
    cell.ctx = null;
    cell.timers = null;
  }
}

function stoppedError(cell: ActorCell, reason: string): GlassError {
  return new GlassError(ErrorCodes.ACTOR_STOPPED, `${cell.key} is ${cell.status === CellStatus.QUARANTINED ? 'quarantined' : 'stopped'}: ${reason}`, {
    actor: cell.key,
    status: cell.status,
  });
}
