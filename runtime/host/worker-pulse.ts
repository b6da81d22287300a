/**
 * What a worker tells its main thread without its event loop answering: a heartbeat and the
 * message it is handling right now, in one SharedArrayBuffer the main thread created. The worker
 * bumps the beat from a timer (so a beat means its loop turned) and, before each handler runs,
 * writes which actor and message type it is (small integers: a cell's slot and an index into the
 * worker's table of message types) and the envelope's receipt; the actor's key is written only when
 * the slot's entry in a small direct-mapped table holds another actor. Nothing is allocated on
 * the message path. The main thread reads it (readPulse) once the beat stopped: the worker's
 * memory is gone, the shared buffer is not.
 */

// Int32 header fields.
const BEAT = 0;
const CELL = 1;
const TYPE = 2;
const RECEIPT = 3;
const HEADER = 4;
/** Entries of the key table (a power of two): up to this many actors handled in turn keep their key written. */
const SLOTS = 1024;
const MASK = SLOTS - 1;
/** UTF-16 units kept of a key; a longer key is not kept (its actor reads as unknown). */
const KEY_UNITS = 128;
const SLOT_OF = HEADER;
const LENGTH_OF = HEADER + SLOTS;
const INTS = HEADER + 2 * SLOTS;
/** No handler is running. */
const IDLE = -1;

/** Bytes of a worker's pulse buffer. */
export const PULSE_BYTES = INTS * 4 + SLOTS * KEY_UNITS * 2;

/** A new pulse buffer for one worker (the main thread makes it; the worker gets it in workerData). */
export function newPulseBuffer(): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(PULSE_BYTES);
  const ints = new Int32Array(buffer, 0, INTS);
  ints[CELL] = IDLE;
  ints.fill(IDLE, SLOT_OF, SLOT_OF + SLOTS);
  return buffer;
}

/** The worker's writer. With no buffer (a host outside a worker: unit tests) it writes to its own memory. */
export class WorkerPulse {
  readonly #ints: Int32Array;
  readonly #keys: Uint16Array;
  /**
   * Index into this worker's message-type table, by kind then type. Plain objects (fast properties,
   * looked up like the kind's handlers); a prototype name reads as a function, which `enter` drops.
   */
  readonly #typeIds = new Map<string, Record<string, number>>();
  /** "kind message-type" of every type id, in order: what the main thread resolves TYPE with. */
  readonly types: string[] = [];
  #nextSlot = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(buffer: SharedArrayBuffer | null) {
    const b = buffer ?? newPulseBuffer();
    this.#ints = new Int32Array(b, 0, INTS);
    this.#keys = new Uint16Array(b, INTS * 4, SLOTS * KEY_UNITS);
  }

  /** Registers a kind's message types (at start, before any message). */
  addKind(kind: string, types: readonly string[]): void {
    const ids: Record<string, number> = {};
    for (const type of types) {
      ids[type] = this.types.length;
      this.types.push(kind + ' ' + type);
    }
    this.#typeIds.set(kind, ids);
  }

  /** The type ids of a kind (kept on its cells). */
  typeIdsOf(kind: string): Record<string, number> {
    return this.#typeIds.get(kind) ?? {};
  }

  /** A slot for a new cell (a small integer, unique among the cells of this worker for 2^30 creations). */
  nextSlot(): number {
    const slot = this.#nextSlot;
    this.#nextSlot = slot >= 2 ** 30 ? 0 : slot + 1;
    return slot;
  }

  /** Bumps the beat every `everyMs` while the event loop turns. */
  start(everyMs: number): void {
    this.#timer ??= setInterval(() => Atomics.add(this.#ints, BEAT, 1), everyMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** A handler of the actor in `slot` (key `key`) starts on a message of type `typeId`. */
  enter(slot: number, key: string, typeId: number | undefined, receipt: number): void {
    const ints = this.#ints;
    if (ints[SLOT_OF + (slot & MASK)] !== slot) this.#writeKey(slot, key);
    ints[CELL] = slot;
    ints[TYPE] = typeof typeId === 'number' ? typeId : IDLE;
    ints[RECEIPT] = receipt;
  }

  /** The handler returned (synchronously). */
  leave(): void {
    this.#ints[CELL] = IDLE;
  }

  /** An async handler of the actor in `slot` settled: idle unless another handler started since. */
  leaveIf(slot: number): void {
    if (this.#ints[CELL] === slot) this.#ints[CELL] = IDLE;
  }

  #writeKey(slot: number, key: string): void {
    const entry = slot & MASK;
    const length = key.length;
    const base = entry * KEY_UNITS;
    for (let i = 0; i < length && i < KEY_UNITS; i++) this.#keys[base + i] = key.charCodeAt(i);
    this.#ints[LENGTH_OF + entry] = length;
    this.#ints[SLOT_OF + entry] = slot;
  }
}

/** What a worker was doing, as read from its pulse buffer by the main thread. */
export interface PulseReading {
  readonly beat: number;
  /** The actor whose handler is running, or null when none is (or its key was overwritten). */
  readonly key: string | null;
  /** "kind message-type" from the worker's table, or null. */
  readonly messageType: string | null;
  /** The receipt of the envelope being handled (0: it did not come from another node). */
  readonly receipt: number;
}

/** The beat alone (the main thread's watchdog reads it every check). */
export function readBeat(buffer: SharedArrayBuffer): number {
  return Atomics.load(new Int32Array(buffer, 0, HEADER), BEAT);
}

/** Everything the buffer says; `types` is the worker's message-type table (WorkerInfo.types). */
export function readPulse(buffer: SharedArrayBuffer, types: readonly string[]): PulseReading {
  const ints = new Int32Array(buffer, 0, INTS);
  const beat = Atomics.load(ints, BEAT);
  const slot = Atomics.load(ints, CELL);
  if (slot === IDLE) return { beat, key: null, messageType: null, receipt: 0 };
  const entry = slot & MASK;
  let key: string | null = null;
  const length = Atomics.load(ints, LENGTH_OF + entry);
  if (Atomics.load(ints, SLOT_OF + entry) === slot && length <= KEY_UNITS) {
    key = String.fromCharCode(...new Uint16Array(buffer, INTS * 4 + entry * KEY_UNITS * 2, length));
  }
  const typeId = Atomics.load(ints, TYPE);
  const named = typeId >= 0 && typeId < types.length ? types[typeId]! : null;
  return { beat, key, messageType: named === null ? null : named.slice(named.indexOf(' ') + 1), receipt: Atomics.load(ints, RECEIPT) };
}
