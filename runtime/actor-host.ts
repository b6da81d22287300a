import { ActorCell, CellStatus } from './actor-cell.js';
import { CellContext } from './actor-context.js';
import { kindOfKey, idOfKey } from './address.js';
import { TIMER_SENDER, type ActorBehaviour } from './behaviour.js';
import type { Clock, TimerHandle } from './clock.js';
import { Lane, messageType, NO_REPLY, type Envelope } from './envelope.js';
import { ErrorCodes, GlassError, MailboxFullError, UnknownKindError, toWireError } from './errors.js';
import type { Logger } from './logger.js';
import { RingBuffer } from './ring-buffer.js';
import type { LocalSink, Router } from './router.js';
import type { StateStore } from './state-store.js';

export interface ActorHostOptions {
  router: Router;
  behaviours: readonly ActorBehaviour[];
  store: StateStore;
  clock: Clock;
  logger: Logger;
  /** Default idle time before passivation, for kinds that do not set their own. */
  idleAfterMs: number;
  /** How often idle actors are looked for. */
  sweepIntervalMs: number;
  /** Messages one actor may handle before the next ready actor gets its turn. */
  throughput?: number;
  /** Messages handled per dispatcher turn before yielding to I/O. */
  turnBudget?: number;
  /** Wall time drain/close waits for actors inside an async handler. Default 10 s. */
  shutdownTimeoutMs?: number;
}

/** A failure reported by the host: data, never an exception through the runtime. */
export interface ActorFailure {
  readonly key: string;
  readonly messageType: string;
  readonly error: unknown;
}

export interface ActorSnapshot {
  kind: string;
  id: string;
  status: CellStatus;
  mailbox: number;
  failures: number;
  lastFailure: { messageType: string; message: string; at: number } | null;
  idleMs: number;
}

/**
 * Hosts the actors of one thread: activates them on their first message (state from the store),
 * runs their mailboxes one message at a time, passivates them when idle (state to the store), and
 * turns every handler failure into data. The dispatcher is a ready queue of cells, drained in
 * bounded turns so that a busy thread still answers its ports.
 */
export class ActorHost implements LocalSink {
  readonly #cells = new Map<string, ActorCell>();
  readonly #behaviours = new Map<string, ActorBehaviour>();
  readonly #ready = new RingBuffer<ActorCell>(1 << 24, 1024);
  readonly #router: Router;
  readonly #store: StateStore;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #defaultIdleMs: number;
  readonly #sweepIntervalMs: number;
  readonly #throughput: number;
  readonly #turnBudget: number;
  readonly #shutdownTimeoutMs: number;
  readonly #failureListeners = new Set<(failure: ActorFailure) => void>();
  /** One bound function for every context's timers (a closure per cell would cost each idle actor). */
  readonly #deliverBound = (e: Envelope): void => this.deliver(e);
  /** Passivations waiting for a busy cell's handler to settle (rare: drain and shutdown). */
  readonly #settleWaiters = new Map<ActorCell, (() => void)[]>();
  #kicked = false;
  #now = 0;
  #sweepTimer: TimerHandle | null = null;
  #processed = 0;
  #closed = false;

  constructor(options: ActorHostOptions) {
    this.#router = options.router;
    this.#store = options.store;
    this.#clock = options.clock;
    this.#log = options.logger;
    this.#defaultIdleMs = options.idleAfterMs;
    this.#sweepIntervalMs = options.sweepIntervalMs;
    this.#throughput = options.throughput ?? 64;
    this.#turnBudget = options.turnBudget ?? 20_000;
    this.#shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
    for (const b of options.behaviours) this.#behaviours.set(b.kind, b);
    this.#now = this.#clock.now();
    this.#armSweep();
  }

  get activeCount(): number {
    return this.#cells.size;
  }

  get processed(): number {
    return this.#processed;
  }

  onFailure(listener: (failure: ActorFailure) => void): () => void {
    this.#failureListeners.add(listener);
    return () => this.#failureListeners.delete(listener);
  }

  deliver(e: Envelope): void {
    let cell = this.#cells.get(e.to);
    if (cell === undefined) {
      if (this.#closed) return this.#router.refuse(e, new GlassError(ErrorCodes.NODE_CLOSED, 'worker is closing'), 'closed');
      const kind = kindOfKey(e.to);
      const behaviour = this.#behaviours.get(kind);
      if (behaviour === undefined) return this.#router.refuse(e, new UnknownKindError(kind), 'unknown-kind');
      // behaviour.kind, not the slice: one shared string for every cell of the kind.
      cell = new ActorCell(e.to, behaviour.kind, idOfKey(e.to), behaviour);
      this.#cells.set(e.to, cell);
      this.#enqueue(cell, e);
      void this.#activate(cell);
      return;
    }
    this.#enqueue(cell, e);
    if (cell.status === CellStatus.ACTIVE) this.#schedule(cell);
  }

  activeCell(key: string): ActorCell | undefined {
    const cell = this.#cells.get(key);
    return cell !== undefined && cell.status === CellStatus.ACTIVE ? cell : undefined;
  }

  /** The fast path for a sender that kept the cell: an ACTIVE cell is always the one in #cells. */
  deliverTo(cell: ActorCell, e: Envelope): void {
    this.#enqueue(cell, e);
    this.#schedule(cell);
  }

  #enqueue(cell: ActorCell, e: Envelope): void {
    if (e.lane === Lane.SYSTEM) return cell.mailbox.pushSystem(e);
    const pushed = cell.mailbox.pushUser(e);
    if (pushed === true) return;
    if (pushed === false) return this.#router.refuse(e, new MailboxFullError(cell.key, cell.mailbox.capacity), 'mailbox-full');
    this.#router.refuse(pushed, new MailboxFullError(cell.key, cell.mailbox.capacity), 'evicted');
  }

  #schedule(cell: ActorCell): void {
    if (cell.scheduled || cell.busy) return;
    cell.scheduled = true;
    this.#ready.push(cell);
    if (!this.#kicked) {
      this.#kicked = true;
      queueMicrotask(this.#drain);
    }
  }

  readonly #drain = (): void => {
    this.#now = this.#clock.now();
    let budget = this.#turnBudget;
    while (budget > 0) {
      const cell = this.#ready.shift();
      if (cell === undefined) break;
      cell.scheduled = false;
      budget -= this.#run(cell);
    }
    this.#processed += this.#turnBudget - budget;
    if (this.#ready.size > 0) setImmediate(this.#drain);
    else this.#kicked = false;
  };

  /** Runs up to `throughput` messages of one cell; returns how many it ran. */
  #run(cell: ActorCell): number {
    let n = 0;
    while (n < this.#throughput && cell.status === CellStatus.ACTIVE) {
      const e = cell.mailbox.shift();
      if (e === undefined) break;
      n++;
      if (this.#invoke(cell, e)) return n; // async handler: the cell resumes when it settles
    }
    if (cell.passivateRequested && !cell.busy) {
      void this.passivate(cell.key);
    } else if (cell.mailbox.size > 0 && cell.status === CellStatus.ACTIVE) {
      cell.scheduled = true;
      this.#ready.push(cell);
    }
    return n;
  }

  /** Handles one envelope; returns true when the handler went async. */
  #invoke(cell: ActorCell, e: Envelope): boolean {
    const msg = e.msg;
    const handler = cell.behaviour.handlers[msg.type];
    if (handler === undefined) {
      this.#router.refuse(e, new GlassError(ErrorCodes.UNKNOWN_MESSAGE, `${cell.kind} has no handler for "${messageType(msg)}"`), 'unhandled');
      return false;
    }
    if (e.from !== TIMER_SENDER) cell.lastActiveAt = this.#now;
    cell.current = e;
    let result: unknown;
    try {
      result = handler(cell.ctx, msg);
    } catch (err) {
      cell.current = null;
      this.#fail(cell, e, err);
      return false;
    }
    if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') {
      cell.busy = true;
      (result as Promise<unknown>).then(
        (value) => this.#settled(cell, e, value, undefined, false),
        (err: unknown) => this.#settled(cell, e, undefined, err, true),
      );
      return true;
    }
    // An idle actor must not keep its last message alive.
    cell.current = null;
    if (e.replyThread !== NO_REPLY) this.#router.reply(e, result);
    return false;
  }

  #settled(cell: ActorCell, e: Envelope, value: unknown, err: unknown, failed: boolean): void {
    cell.busy = false;
    cell.current = null;
    const waiting = this.#settleWaiters.get(cell);
    if (waiting !== undefined) {
      this.#settleWaiters.delete(cell);
      for (const resolve of waiting) resolve();
    }
    if (failed) this.#fail(cell, e, err);
    else this.#router.reply(e, value);
    if (cell.passivateRequested) void this.passivate(cell.key);
    else if (cell.mailbox.size > 0) this.#schedule(cell);
  }

  /**
   * A handler threw something other than a GlassError. The actor resumes with the state it had (the supervision layer will make this
   * a per-kind choice); the asker is answered with GLASS_ERR_ACTOR_FAILED; the failure is recorded
   * on the cell and reported to listeners. Nothing propagates to the thread.
   */
  #fail(cell: ActorCell, e: Envelope, error: unknown): void {
    const type = messageType(e.msg);
    if (error instanceof GlassError) {
      // A GlassError is the handler refusing the request (not a member, text too long): the
      // asker gets its code, the actor is fine, and it is not counted as a failure.
      if (e.replyThread !== NO_REPLY) this.#router.reply(e, undefined, error.toWire());
      else this.#log.debug({ actor: cell.key, messageType: type, code: error.code }, 'told message refused');
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    cell.failures++;
    cell.lastFailure = { messageType: type, message, at: this.#clock.now() };
    this.#log.warn({ actor: cell.key, messageType: type, err: message }, 'actor failed handling a message');
    if (e.replyThread !== NO_REPLY) {
      this.#router.reply(e, undefined, { code: ErrorCodes.ACTOR_FAILED, message, details: { actor: cell.key, messageType: type } });
    }
    for (const listener of this.#failureListeners) listener({ key: cell.key, messageType: type, error });
  }

  async #activate(cell: ActorCell): Promise<void> {
    cell.status = CellStatus.ACTIVATING;
    try {
      if (cell.ctx === null) {
        const stored = await this.#store.load(cell.kind, cell.id);
        cell.state = stored === undefined ? cell.behaviour.initialState(cell.id) : stored.state;
        cell.version = stored === undefined ? null : stored.version;
        cell.ctx = new CellContext(cell, this.#router, this.#deliverBound);
      }
      if (cell.behaviour.onActivate !== undefined) await cell.behaviour.onActivate(cell.ctx);
    } catch (err) {
      this.#log.error({ actor: cell.key, err: toWireError(err).message }, 'activation failed');
      this.#cells.delete(cell.key);
      const error = new GlassError(ErrorCodes.ACTIVATION_FAILED, `activation of ${cell.key} failed: ${toWireError(err).message}`, { actor: cell.key }, { cause: err });
      cell.mailbox.drainTo((e) => this.#router.refuse(e, error, 'activation-failed'));
      return;
    }
    cell.status = CellStatus.ACTIVE;
    cell.lastActiveAt = this.#clock.now();
    if (cell.mailbox.size > 0) this.#schedule(cell);
  }

  /**
   * Passivates an actor: timers cancelled, onPassivate run, state saved. Messages that arrive
   * meanwhile are kept and, if any, the actor stays active instead (its state is already saved).
   * If the save fails, the actor stays active with its state: nothing is thrown away.
   */
  async passivate(key: string): Promise<boolean> {
    const cell = this.#cells.get(key);
    if (cell === undefined || cell.status !== CellStatus.ACTIVE) return false;
    if (cell.busy) {
      // Never save a state in the middle of a handler: wait for it to settle, then try again.
      await new Promise<void>((resolve) => {
        const waiting = this.#settleWaiters.get(cell);
        if (waiting === undefined) this.#settleWaiters.set(cell, [resolve]);
        else waiting.push(resolve);
      });
      return this.passivate(key);
    }
    cell.status = CellStatus.PASSIVATING;
    cell.passivateRequested = false;
    cell.timers?.cancelAll();
    try {
      if (cell.behaviour.onPassivate !== undefined) await cell.behaviour.onPassivate(cell.ctx);
      cell.version = await this.#store.save(cell.kind, cell.id, cell.state, cell.version);
    } catch (err) {
      this.#log.error({ actor: key, err: toWireError(err).message }, 'passivation failed; actor stays active');
      cell.status = CellStatus.ACTIVE;
      cell.lastActiveAt = this.#clock.now();
      if (cell.mailbox.size > 0) this.#schedule(cell);
      return false;
    }
    if (cell.mailbox.size > 0) {
      // Messages arrived while passivating: the passivation did happen (hooks ran, timers are
      // gone, state is saved), so what follows is a fresh activation on the saved state.
      void this.#activate(cell);
      return false;
    }
    cell.status = CellStatus.PASSIVATED;
    this.#cells.delete(key);
    // A Ref may still point at this cell until its next send: keep nothing big reachable from it.
    cell.state = undefined;
    cell.ctx = null;
    cell.timers = null;
    return true;
  }

  #armSweep(): void {
    this.#sweepTimer = this.#clock.setTimeout(() => {
      this.#sweepTimer = null;
      if (this.#closed) return;
      this.sweep();
      this.#armSweep();
    }, this.#sweepIntervalMs);
  }

  /** Passivates every actor idle for longer than its kind's idle time; returns how many it started. */
  sweep(): number {
    const now = this.#clock.now();
    let started = 0;
    for (const cell of this.#cells.values()) {
      if (cell.status !== CellStatus.ACTIVE || cell.busy || cell.scheduled || cell.mailbox.size > 0) continue;
      const idleMs = cell.behaviour.idleAfterMs ?? this.#defaultIdleMs;
      if (now - cell.lastActiveAt < idleMs) continue;
      started++;
      void this.passivate(cell.key);
    }
    return started;
  }

  /**
   * Passivates every actor (worker drain, shutdown); resolves with how many were passivated.
   * Actors inside an async handler are waited for, up to shutdownTimeoutMs of wall time; past
   * that they are left as they are (a state caught mid-handler is never saved) and logged.
   */
  async drain(): Promise<number> {
    let passivated = 0;
    const all = Promise.all([...this.#cells.keys()].map(async (key) => void ((await this.passivate(key)) && passivated++)));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(resolve, this.#shutdownTimeoutMs, 'timeout');
    });
    if ((await Promise.race([all, deadline])) === 'timeout') {
      const busy = [...this.#cells.values()].filter((c) => c.busy).map((c) => c.key);
      this.#log.warn({ busy: busy.slice(0, 20), count: busy.length }, 'drain gave up on actors still inside a handler');
    }
    clearTimeout(timer);
    return passivated;
  }

  inspect(filter?: { kind?: string; limit?: number }): ActorSnapshot[] {
    const out: ActorSnapshot[] = [];
    const limit = filter?.limit ?? Infinity;
    const now = this.#clock.now();
    for (const cell of this.#cells.values()) {
      if (out.length >= limit) break;
      if (filter?.kind !== undefined && cell.kind !== filter.kind) continue;
      out.push({
        kind: cell.kind,
        id: cell.id,
        status: cell.status,
        mailbox: cell.mailbox.size,
        failures: cell.failures,
        lastFailure: cell.lastFailure,
        idleMs: now - cell.lastActiveAt,
      });
    }
    return out;
  }

  mailboxTotal(): number {
    let total = 0;
    for (const cell of this.#cells.values()) total += cell.mailbox.size;
    return total;
  }

  /** Drains every actor, then stops the sweep; further first messages are refused. */
  async close(): Promise<void> {
    await this.drain();
    this.#closed = true;
    if (this.#sweepTimer !== null) this.#clock.clearTimeout(this.#sweepTimer);
  }
}
