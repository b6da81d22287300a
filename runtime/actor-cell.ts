import type { ActorBehaviour } from './behaviour.js';
import type { Envelope } from './envelope.js';
import { Mailbox } from './mailbox.js';
import type { Ref } from './ref.js';
import type { ActorTimers } from './actor-timers.js';
import type { CellContext } from './actor-context.js';

export const CellStatus = {
  ACTIVATING: 'activating',
  ACTIVE: 'active',
  PASSIVATING: 'passivating',
  PASSIVATED: 'passivated',
} as const;
export type CellStatus = (typeof CellStatus)[keyof typeof CellStatus];

export interface FailureRecord {
  readonly messageType: string;
  readonly message: string;
  readonly at: number;
}

/**
 * One activation of one actor on one thread: its state, mailbox and bookkeeping. Plain fields, no
 * closures: a cell is what an idle actor costs, so everything optional is allocated on first use.
 */
export class ActorCell {
  state: unknown = undefined;
  version: string | null = null;
  status: CellStatus = CellStatus.ACTIVATING;
  /** In the host's ready queue. */
  scheduled = false;
  /** Awaiting an async handler: the next message waits (one message at a time, always). */
  busy = false;
  lastActiveAt = 0;
  passivateRequested = false;
  failures = 0;
  lastFailure: FailureRecord | null = null;
  /** The envelope being handled (sender, trace and reply routing for the context). */
  current: Envelope | null = null;
  ctx: CellContext | null = null;
  /** One Ref per receiver this actor sent to (by kind, then id): each holds the pair's sequence counter. */
  refs: Map<string, Map<string, Ref>> | null = null;
  timers: ActorTimers | null = null;
  readonly mailbox: Mailbox;

  constructor(
    readonly key: string,
    readonly kind: string,
    readonly id: string,
    readonly behaviour: ActorBehaviour,
  ) {
    this.mailbox = new Mailbox(behaviour.mailbox);
  }
}
