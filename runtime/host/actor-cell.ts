import type { ActorBehaviour } from '../behaviour.js';
import type { Envelope } from '../envelope.js';
import { Mailbox } from '../mailbox.js';
import type { Sender } from '../wire/route.js';
import type { ActorTimers } from './actor-timers.js';
import type { CellContext, CellRefs } from './actor-context.js';
import type { KindTable } from './kind-table.js';
import type { RestartRecord } from '../supervision.js';
import type { SeqTable } from '../state-store.js';

export const CellStatus = {
  ACTIVATING: 'activating',
  ACTIVE: 'active',
  /** Rehydrating from the store after a failure. */
  RESTARTING: 'restarting',
  /** Waiting out a restart (or save) backoff; messages queue meanwhile. */
  BACKING_OFF: 'backing-off',
  PASSIVATING: 'passivating',
  PASSIVATED: 'passivated',
  /** Stopped by its supervisor's `stop` directive: messages are refused until an ops restart. */
  STOPPED: 'stopped',
  /** Stopped because its restart limit was reached with nobody above to escalate to. */
  QUARANTINED: 'quarantined',
} as const;
export type CellStatus = (typeof CellStatus)[keyof typeof CellStatus];

export interface FailureRecord {
  readonly messageType: string;
  readonly message: string;
  readonly at: number;
}

/** What only a cell that has failed needs (ActorCell's accessors read through it). */
class CellTrouble {
  failures = 0;
  lastFailure: FailureRecord | null = null;
  restarts: RestartRecord | null = null;
  attempt = 0;
  generation = 0;
}

/**
 * One activation of one actor on one thread: its state, mailbox and bookkeeping. Plain fields, no
 * closures: a cell is what an idle actor costs, so everything optional is allocated on first use.
 */
export class ActorCell implements Sender {
  state: unknown = undefined;
  version: string | null = null;
  /** This activation's epoch: the stored epoch + 1, written with every save (the fencing token with version). */
  epoch = 0;
  /** What it handled from other nodes, saved with its state (see delivery-log.ts); null until the first. */
  seqs: SeqTable | null = null;
  status: CellStatus = CellStatus.ACTIVATING;
  /** In the host's ready queue. */
  scheduled = false;
  /** Inside an async handler or a save: the next message waits (one message at a time, always). */
  busy = false;
  lastActiveAt = 0;
  passivateRequested = false;
  /** Handled since the last save (write-behind and passivation policies). */
  dirty = false;
  /** The save in flight, if any: saves of one cell never overlap (each needs the previous version). */
  saving: Promise<unknown> | null = null;
  /** Messages handled by this activation (ops message rates). */
  handled = 0;
  /** The message that failed last and is to be handled again first, after a restart. */
  retry: Envelope | null = null;
  /** Failures, restarts and their bookkeeping: allocated by the first failure, most cells never have any. */
  #trouble: CellTrouble | null = null;
  /**
   * For `every-message` kinds, while a message is handled: the tells it makes, released only once
   * the state they follow from is saved. Written only by the host's Outbox (outbox.ts).
   */
  outbox: unknown[] | null = null;
  /**
   * Write-behind kinds: envelopes from other nodes handled since the last save. Their stream
   * entries are acknowledged by the save that covers them; a fenced activation hands them on.
   */
  unsaved: Envelope[] | null = null;
  /** The envelope being handled (sender, trace and reply routing for the context). */
  current: Envelope | null = null;
  ctx: CellContext | null = null;
  /** One Ref per receiver this actor sent to, and ctx.tell's last address (see CellRefs); null until its first send. */
  refs: CellRefs | null = null;
  timers: ActorTimers | null = null;
  /** The actor that spawned this one (its supervisor), and the keys this one spawned, in order. */
  parent: ActorCell | null = null;
  children: string[] | null = null;
  readonly mailbox: Mailbox;
  /** This cell's slot in the worker's pulse (what the main thread's watchdog reads; see worker-pulse.ts). */
  pulseSlot = 0;
  /** Its kind's handlers, pulse ids and save flags (shared by the kind's cells; see kind-table.ts). */
  table: KindTable | null = null;

  constructor(
    readonly key: string,
    readonly behaviour: ActorBehaviour,
  ) {
    this.mailbox = new Mailbox(behaviour.mailbox);
  }

  /** Failures of this activation's messages. */
  get failures(): number {
    return this.#trouble?.failures ?? 0;
  }
  set failures(n: number) {
    if (n !== 0 || this.#trouble !== null) this.#troubled().failures = n;
  }

  get lastFailure(): FailureRecord | null {
    return this.#trouble?.lastFailure ?? null;
  }
  set lastFailure(f: FailureRecord | null) {
    if (f !== null || this.#trouble !== null) this.#troubled().lastFailure = f;
  }

  /** Restart window and backoff, from the first failure on. */
  get restarts(): RestartRecord | null {
    return this.#trouble?.restarts ?? null;
  }
  set restarts(r: RestartRecord | null) {
    if (r !== null || this.#trouble !== null) this.#troubled().restarts = r;
  }

  /** How many times `retry` has failed (poison detection). */
  get attempt(): number {
    return this.#trouble?.attempt ?? 0;
  }
  set attempt(n: number) {
    // Reset after every retried message that succeeds: setting the default allocates nothing.
    if (n !== 0 || this.#trouble !== null) this.#troubled().attempt = n;
  }

  /** Bumped by every restart: a backoff timer of an earlier restart finds it changed and does nothing. */
  get generation(): number {
    return this.#trouble?.generation ?? 0;
  }
  set generation(n: number) {
    if (n !== 0 || this.#trouble !== null) this.#troubled().generation = n;
  }

  #troubled(): CellTrouble {
    return (this.#trouble ??= new CellTrouble());
  }

  // Derived, not stored: two fewer fields and one string fewer per idle actor. Read on activation,
  // on saves and by inspection, not per message.
  get kind(): string {
    return this.behaviour.kind;
  }

  get id(): string {
    return this.key.slice(this.behaviour.kind.length + 1);
  }
}
