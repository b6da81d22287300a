import { ActorCell, CellStatus } from './actor-cell.js';
import { kindOfKey } from '../address.js';
import { NODES_DOWN_MESSAGE, SavePolicy, TIMER_SENDER, type ActorBehaviour } from '../behaviour.js';
import { CellLifecycle, type LifecycleHost } from './cell-lifecycle.js';
import { CellPersistence } from './cell-persistence.js';
import type { Clock } from '../clock.js';
import { Envelope, Lane, NO_REPLY, messageType, recycleEnvelope } from '../envelope.js';
import { ErrorCodes, GlassError, MailboxFullError, UnknownKindError } from '../errors.js';
import { FailureHandler, type ActorFailure } from './failure-handler.js';
import type { Logger } from '../logger.js';
import type { QuarantinedMessage } from '../quarantine.js';
import { RingBuffer } from '../ring-buffer.js';
import type { NodeMember } from '../placement.js';
import type { LocalSink, RouteCache } from '../wire/route.js';
import { MAIN_THREAD, type Router } from '../wire/router.js';
import { DownNodes } from './down-nodes.js';
import { Handoffs } from './handoff.js';
import { Outbox } from './outbox.js';
import type { StateStore } from '../state-store.js';
import type { Supervisor } from '../supervision.js';
import { NO_SERVICES, type Services } from '../services.js';
import { CellPassivation } from './cell-passivation.js';
import { inspectCells, mailboxTotal, type ActorSnapshot } from './cell-snapshot.js';
import { alreadyHandled, recordHandled } from './delivery-log.js';
import { MessageSpans, endHop } from '../trace.js';
import { WorkerPulse } from './worker-pulse.js';
import { KindTable, type HandlerEntry } from './kind-table.js';

export type { ActorFailure } from './failure-handler.js';
export type { ActorSnapshot } from './cell-snapshot.js';

export interface ActorHostOptions {
  router: Router;
  behaviours: readonly ActorBehaviour[];
  store: StateStore;
  clock: Clock;
  logger: Logger;
  supervisor: Supervisor;
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
  /** Where quarantined (poison) messages go; the worker forwards them to the main thread. */
  onQuarantine?: (entry: QuarantinedMessage) => void;
  /** Where the handler being run is published for the main thread's watchdog; default: nowhere shared. */
  pulse?: WorkerPulse;
  /** The node's services, for `ctx.service(name)`; default none. */
  services?: Services;
}


/** Activation latencies kept between two ops samples; more are not recorded (the histogram is a sample). */
const MAX_ACTIVATION_SAMPLES = 4_096;

/**
 * Hosts the actors of one thread: activates them on their first message, runs their mailboxes one
 * message at a time, and hands failures to the FailureHandler, state changes to the CellLifecycle
 * and saves to the CellPersistence. The dispatcher is a ready queue of cells, drained in bounded
 * turns so that a busy thread still answers its ports.
 */
export class ActorHost implements LocalSink, LifecycleHost {
  readonly cells = new Map<string, ActorCell>();
  readonly services: Services;
  readonly #down = new DownNodes();
  readonly #behaviours = new Map<string, ActorBehaviour>();
  /** Per kind: each message type's handler, pulse id and read-only flag (one lookup per message). */
  readonly #tables = new Map<string, KindTable>();
  readonly #ready = new RingBuffer<ActorCell>(1 << 24, 1024);
  readonly #router: Router;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #throughput: number;
  readonly #turnBudget: number;
  readonly #passivation: CellPassivation;
  readonly #persistence: CellPersistence;
  readonly #lifecycle: CellLifecycle;
  readonly #failures: FailureHandler;
  readonly #outbox: Outbox;
  /** Asks a moved actor's previous node to let go before a first activation here. */
  readonly #handoffs: Handoffs;
  #kicked = false;
  #now = 0;
  #processed = 0;
  #closed = false;
  readonly #activations: number[] = [];
  /** Spans of traced messages being handled (empty unless an OpenTelemetry SDK is tracing). */
  readonly #spans = new MessageSpans();
  /** What the main thread's watchdog reads: the beat and the handler running now. */
  readonly pulse: WorkerPulse;

  constructor(options: ActorHostOptions) {
    this.services = options.services ?? NO_SERVICES;
    this.#router = options.router;
    this.#clock = options.clock;
    this.#log = options.logger;
    this.#throughput = options.throughput ?? 64;
    this.#turnBudget = options.turnBudget ?? 20_000;
    this.pulse = options.pulse ?? new WorkerPulse(null);
    for (const b of options.behaviours) {
      // Handlers looked up by a message's `type` must be own entries only: on an ordinary object,
      // `constructor` or `toString` would find Object.prototype's and call it as a handler.
      const own = Object.getPrototypeOf(b.handlers) === null ? b : { ...b, handlers: Object.assign(Object.create(null), b.handlers) };
      this.#behaviours.set(b.kind, own);
      this.pulse.addKind(b.kind, Object.keys(b.handlers));
      this.#tables.set(b.kind, new KindTable(own, this.pulse.typeIdsOf(b.kind)));
    }
    const writeBehindMs = Math.min(60_000, ...options.behaviours.filter((b) => b.persistence.save === SavePolicy.WRITE_BEHIND).map((b) => b.persistence.writeBehindMs));
    this.#persistence = new CellPersistence(
      options.store,
      this.#clock,
      this.#log,
      writeBehindMs,
      (cell) => this.#lifecycle.fence(cell, null),
      (covered) => covered.forEach((e) => this.#router.handled(e)),
      options.supervisor,
    );
    this.#outbox = new Outbox(this.#router);
    this.#router.setOutbox(this.#outbox);
    this.#handoffs = new Handoffs(this.#router);
    this.#lifecycle = new CellLifecycle(this, this.#router, this.#handoffs, options.store, this.#persistence, this.#clock, this.#log);
    this.#failures = new FailureHandler(this, this.#router, options.supervisor, this.#lifecycle, this.#clock, this.#log, options.onQuarantine);
    this.#passivation = new CellPassivation(this.cells, this.#lifecycle, this.#router, this.#clock, this.#log, {
      defaultIdleMs: options.idleAfterMs,
      sweepIntervalMs: options.sweepIntervalMs,
      shutdownTimeoutMs: options.shutdownTimeoutMs ?? 10_000,
    });
    this.#now = this.#clock.now();
  }

  get activeCount(): number {
    return this.cells.size;
  }

  get processed(): number {
    return this.#processed;
  }

  onFailure(listener: (failure: ActorFailure) => void): () => void {
    return this.#failures.onFailure(listener);
  }

  deliver(e: Envelope): void {
    let cell = this.cells.get(e.to);
    if (cell === undefined) {
      if (this.#closed) return this.#router.refuse(e, new GlassError(ErrorCodes.NODE_CLOSED, 'worker is closing'), 'closed');
      const behaviour = this.#behaviours.get(kindOfKey(e.to));
      if (behaviour === undefined) return this.#router.refuse(e, new UnknownKindError(kindOfKey(e.to)), 'unknown-kind');
      // The cluster changed since it was sent (or the actor just moved away): on to the owner.
      if (!this.#router.owns(e.to)) return this.#router.forward(e);
      cell = this.#create(e.to, behaviour);
      this.#enqueue(cell, e);
      void this.#activate(cell);
      return;
    }
    if (cell.status === CellStatus.STOPPED || cell.status === CellStatus.QUARANTINED) return this.#lifecycle.refuseStopped(cell, e);
    this.#enqueue(cell, e);
    this.schedule(cell);
  }

  /**
   * The hot path: a send through a Ref to an actor of this thread. The Ref keeps the receiver's
   * cell while it is active (an ACTIVE cell is always the one in cells), so the next send skips
   * the lookup.
   */
  deliverVia(target: RouteCache, e: Envelope): void {
    let cell = target.cell as ActorCell | null;
    if (cell === null || cell.status !== CellStatus.ACTIVE) {
      const found = this.cells.get(target.key);
      if (found === undefined || found.status !== CellStatus.ACTIVE) {
        target.cell = null;
        return this.deliver(e);
      }
      target.cell = cell = found;
    }
    if (e.lane !== Lane.USER) {
      this.#enqueue(cell, e);
      return this.schedule(cell);
    }
    const pushed = cell.mailbox.pushUser(e);
    if (pushed !== true) {
      this.#overflowed(cell, e, pushed);
      return this.schedule(cell);
    }
    // ACTIVE, and its mailbox holds a message now: only whether it is queued or busy is left.
    if (!cell.scheduled && !cell.busy) this.#queue(cell);
  }

  spawnChild(parent: ActorCell, kind: string, id: string): void {
    const behaviour = this.#behaviours.get(kind);
    if (behaviour === undefined) throw new UnknownKindError(kind);
    const key = kind + ':' + id;
    this.#lifecycle.spawn(parent, key, this.cells.get(key), () => {
      const cell = this.#create(key, behaviour);
      void this.#lifecycle.activate(cell);
      return cell;
    });
  }

  /** A first activation, timed for the ops activation-latency histogram (not on the message path). */
  async #activate(cell: ActorCell): Promise<void> {
    const started = this.#clock.now();
    await this.#lifecycle.activate(cell, true);
    // A failed activation leaves the host: only activations that happened are timed.
    if (this.cells.get(cell.key) !== cell) return;
    if (this.#activations.length < MAX_ACTIVATION_SAMPLES) this.#activations.push(this.#clock.now() - started);
  }

  /** Activation latencies (ms) since the last call, oldest first (at most MAX_ACTIVATION_SAMPLES). */
  takeActivationLatencies(): number[] {
    return this.#activations.splice(0, this.#activations.length);
  }

  #create(key: string, behaviour: ActorBehaviour): ActorCell {
    // behaviour.kind, not a slice of the key: one shared string for every cell of the kind.
    const cell = new ActorCell(key, behaviour);
    cell.pulseSlot = this.pulse.nextSlot();
    cell.table = this.#tables.get(behaviour.kind)!;
    this.cells.set(key, cell);
    return cell;
  }

  #enqueue(cell: ActorCell, e: Envelope): void {
    if (e.lane === Lane.SYSTEM) return cell.mailbox.pushSystem(e);
    const pushed = cell.mailbox.pushUser(e);
    if (pushed !== true) this.#overflowed(cell, e, pushed);
  }

  /** A user message met a full mailbox: it was refused (`false`), or it evicted the oldest. */
  #overflowed(cell: ActorCell, e: Envelope, pushed: false | Envelope): void {
    if (pushed === false) return this.#router.refuse(e, new MailboxFullError(cell.key, cell.mailbox.capacity), 'mailbox-full');
    this.#router.refuse(pushed, new MailboxFullError(cell.key, cell.mailbox.capacity), 'evicted');
  }

  /** Queues the cell for a turn if it is active, idle and has something to run. */
  schedule(cell: ActorCell): void {
    if (cell.scheduled || cell.busy || cell.status !== CellStatus.ACTIVE) return;
    if (cell.mailbox.isEmpty && cell.retry === null) return;
    this.#queue(cell);
  }

  #queue(cell: ActorCell): void {
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
    if (cell.status !== CellStatus.ACTIVE || cell.busy) return 0;
    while (n < this.#throughput) {
      // System messages first; then a message being retried after a restart; then the queue.
      const e = cell.retry === null ? cell.mailbox.shift() : (cell.mailbox.shiftSystem() ?? cell.retry);
      if (e === undefined) break;
      n++;
      this.#invoke(cell, e);
      if (cell.busy || cell.status !== CellStatus.ACTIVE) break;
    }
    if (cell.busy) return n;
    if (cell.passivateRequested && cell.status === CellStatus.ACTIVE) void this.passivate(cell.key);
    else this.schedule(cell);
    return n;
  }

  /** Handles one envelope. Leaves the cell busy when the handler went async or a save is pending. */
  #invoke(cell: ActorCell, e: Envelope): void {
    // From another node and sequenced: handled once, even when its stream entry comes again.
    if (e.receipt !== 0 && e.seqEpoch !== 0 && cell.retry !== e) {
      // A send from a node's main thread outside any actor is that node's ("@<node>").
      const sender = e.from ?? '@' + e.replyNode;
      if (alreadyHandled(cell.seqs, sender, e.seqEpoch, e.seq)) return this.#router.handled(e);
      cell.seqs = recordHandled(cell.seqs, sender, e.seqEpoch, e.seq);
    }
    const msg = e.msg;
    const table = cell.table!;
    const entry = table.find(msg.type);
    if (entry === undefined) {
      if (cell.retry === e) cell.retry = null;
      return this.#router.refuse(e, new GlassError(ErrorCodes.UNKNOWN_MESSAGE, `${cell.kind} has no handler for "${messageType(msg)}"`), 'unhandled');
    }
    // Timer messages (never sequenced) do not count as activity; a sequenced message is not one.
    if (e.seq !== 0 || e.from !== TIMER_SENDER) cell.lastActiveAt = this.#now;
    cell.handled++;
    if (e.trace !== undefined) this.#spans.start(e, cell.kind, cell.key);
    cell.current = e;
    if (table.everyMessage && !entry.readOnly) this.#outbox.open(cell);
    let result: unknown;
    this.pulse.enter(cell.pulseSlot, cell.key, entry.typeId, e.receipt);
    try {
      result = entry.handler(cell.ctx, msg);
    } catch (err) {
      this.pulse.leave();
      cell.current = null;
      this.#outbox.drop(cell); // a failed message has no effects
      this.#spans.end(e, err);
      return this.#failures.failed(cell, e, err);
    }
    if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') {
      // Left entered: what runs of an async handler until the next one starts is still its own.
      cell.busy = true;
      (result as Promise<unknown>).then(
        (value) => {
          this.pulse.leaveIf(cell.pulseSlot);
          this.#completed(cell, e, entry, value, true);
        },
        (err: unknown) => {
          this.pulse.leaveIf(cell.pulseSlot);
          this.#idle(cell);
          this.#outbox.drop(cell);
          this.#spans.end(e, err);
          this.#failures.failed(cell, e, err);
          this.#resume(cell);
        },
      );
      return;
    }
    this.pulse.leave();
    // An idle actor must not keep its last message alive.
    cell.current = null;
    this.#completed(cell, e, entry, result, false);
  }

  /**
   * A message was handled: save if the policy says so, then answer and go on. `async`: called
   * from an async handler's settlement (the cell is busy and nothing else will resume it).
   */
  #completed(cell: ActorCell, e: Envelope, entry: HandlerEntry, value: unknown, async: boolean): void {
    const retried = cell.retry === e;
    if (retried) {
      cell.retry = null;
      cell.attempt = 0;
    }
    // Already dirty under a deferred policy (the common case under load): nothing to decide.
    const table = cell.table!;
    const deferred = cell.dirty && !table.everyMessage;
    if (deferred || entry.readOnly || !this.#persistence.afterMessage(cell)) {
      if (async) this.#idle(cell);
      // An actor's tell from a worker (this one, or another over the wire), handled at once, with no
      // receipt (handled() clears it), untraced, not a retry: nothing holds its envelope after this.
      const reusable = !async && !retried && e.seqEpoch !== 0 && e.receipt === 0 && e.replyThread === NO_REPLY && e.trace === undefined && e.origin !== MAIN_THREAD;
      if (e.replyThread !== NO_REPLY) this.#router.reply(e, value);
      // Local messages (no receipt) pay one test here. From another node into a write-behind
      // state: acknowledged by the save that covers it.
      if (e.receipt !== 0) {
        if (table.writeBehind && !entry.readOnly) (cell.unsaved ??= []).push(e);
        else this.#router.handled(e);
      }
      if (e.trace !== undefined) this.#spans.end(e);
      if (async) this.#resume(cell);
      else if (reusable) recycleEnvelope(e);
      return;
    }
    // every-message: the answer, the tells the handler made and the actor's next message all
    // wait for the save: nothing leaves that a crash could take back.
    cell.busy = true;
    const parked = this.#outbox.take(cell);
    const store = e.trace === undefined ? null : this.#spans.save(e, cell.key);
    void this.#persistence.save(cell, true).then((outcome) => {
      if (store !== null) endHop(store, outcome === 'saved' ? undefined : outcome);
      this.#idle(cell);
      this.#spans.end(e, outcome === 'conflict' ? 'fenced' : undefined);
      if (outcome === 'conflict') return this.#lifecycle.fence(cell, e);
      if (parked !== null) this.#outbox.release(cell, parked);
      this.#router.done(e, value);
      this.#resume(cell);
    });
  }

  #idle(cell: ActorCell): void {
    cell.busy = false;
    cell.current = null;
    this.#passivation.settled(cell);
  }

  #resume(cell: ActorCell): void {
    if (cell.passivateRequested && cell.status === CellStatus.ACTIVE) void this.passivate(cell.key);
    else this.schedule(cell);
  }

  /** Passivates an actor (after its current handler, if any); resolves true if it was passivated. */
  passivate(key: string): Promise<boolean> {
    return this.#passivation.passivate(key);
  }

  /**
   * A new membership: the placement is rebuilt, first activations shortly after ask a moved
   * actor's previous node to let go (Handoffs), and what moved away is passivated (rebalance).
   * `down` are the members the change lost without a leave. Resolves with how many moved.
   */
  setMembers(members: readonly NodeMember[], down: readonly string[]): Promise<number> {
    this.#router.setMembers(members);
    if (this.#down.note(members, down, this.#router.clock.now())) this.#tellNodesDown();
    this.#handoffs.changed(down);
    return this.rebalance();
  }

  /**
   * A node went down: every active actor whose kind handles NODES_DOWN_MESSAGE is told (rooms let
   * go of its members after the resume window without waiting for a message of their own).
   */
  #tellNodesDown(): void {
    for (const cell of this.cells.values()) {
      if (cell.status !== CellStatus.ACTIVE || typeof cell.behaviour.handlers[NODES_DOWN_MESSAGE] !== 'function') continue;
      this.deliver(new Envelope(cell.key, TIMER_SENDER, this.#router.ids.next(), 0, { type: NODES_DOWN_MESSAGE }, undefined, Lane.USER, NO_REPLY, 0, this.#router.thread));
    }
  }

  /** See CellContext.nodeDownSince. */
  nodeDownSince(node: string): number | undefined {
    return this.#down.since(node);
  }

  /** The placement changed: passivates what moved away; resolves with how many moved. */
  rebalance(): Promise<number> {
    return this.#passivation.rebalance();
  }

  /** Ops restart: a stopped or quarantined actor comes back from its stored state; an active one is restarted. */
  restart(key: string): boolean {
    const cell = this.cells.get(key);
    return cell !== undefined && this.#lifecycle.opsRestart(cell);
  }

  /** Passivates every actor idle for longer than its kind's idle time; returns how many it started. */
  sweep(): number {
    return this.#passivation.sweep();
  }

  /** Saves every write-behind actor with unsaved changes now (they are saved together). */
  flush(): void {
    this.#persistence.flush();
  }

  /** Passivates every actor (worker drain, shutdown), waiting up to shutdownTimeoutMs for busy ones. */
  drain(): Promise<number> {
    return this.#passivation.drain();
  }

  inspect(filter?: { kind?: string; limit?: number }): ActorSnapshot[] {
    return inspectCells(this.cells.values(), this.#clock.now(), filter);
  }

  mailboxTotal(): number {
    return mailboxTotal(this.cells.values());
  }

  /** Drains every actor, then stops the sweep and the write-behind; later first messages are refused. */
  async close(): Promise<void> {
    await this.drain();
    this.#closed = true;
    this.#persistence.close();
    this.#passivation.stop();
  }
}
