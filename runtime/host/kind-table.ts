import { SavePolicy, type ActorBehaviour } from '../behaviour.js';

/** What the host needs to run one message type of a kind: found with one lookup per message. */
export class HandlerEntry {
  constructor(
    readonly handler: (ctx: any, msg: any) => unknown,
    /** The type's id in the worker's pulse (what the main thread's watchdog reads). */
    readonly typeId: number,
    /** Declared read-only: marks nothing to save and waits for no save. */
    readonly readOnly: boolean,
  ) {}
}

/**
 * One per actor kind and worker, shared by the kind's cells: each message type's handler, pulse id
 * and read-only flag in one entry, and the save policy as two flags. The last type found is kept
 * in front of the map: an actor mostly handles runs of one type, so the common lookup is one
 * string comparison (the same string object, usually).
 */
export class KindTable {
  /** Saves after every message (an outbox is opened for its tells). */
  readonly everyMessage: boolean;
  readonly writeBehind: boolean;
  readonly #entries = new Map<string, HandlerEntry>();
  #lastType = '';
  #last: HandlerEntry | undefined = undefined;

  constructor(behaviour: ActorBehaviour, typeIds: Readonly<Record<string, number>>) {
    this.everyMessage = behaviour.persistence.save === SavePolicy.EVERY_MESSAGE;
    this.writeBehind = behaviour.persistence.save === SavePolicy.WRITE_BEHIND;
    const readOnly = behaviour.readOnly;
    // Own entries only (the host's handlers have no prototype): `constructor` is no handler.
    for (const type of Object.keys(behaviour.handlers)) {
      const handler = behaviour.handlers[type];
      if (typeof handler !== 'function') continue;
      this.#entries.set(type, new HandlerEntry(handler, typeIds[type] ?? -1, readOnly !== null && readOnly.has(type)));
    }
  }

  /** The entry of a message type; undefined when the kind has no handler for it. */
  find(type: string): HandlerEntry | undefined {
    if (type === this.#lastType) return this.#last;
    const entry = this.#entries.get(type);
    if (entry !== undefined) {
      this.#lastType = type;
      this.#last = entry;
    }
    return entry;
  }
}
