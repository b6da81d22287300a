import { CellStatus, type ActorCell } from './actor-cell.js';
import type { Envelope } from '../envelope.js';
import { SavePolicy } from '../behaviour.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import { StoreConflictError, type StateStore } from '../state-store.js';
import { toWireError } from '../errors.js';
import type { Supervisor } from '../supervision.js';

/** Outcome of one save of one cell. */
export type SaveOutcome = 'saved' | 'conflict' | 'unavailable';

/**
 * When and how actor state reaches the store, per the kind's save policy (see SavePolicy for the
 * trade-off). Saves of one cell never overlap: each expects the version the previous one returned,
 * so a second save started before the first returned would fence the actor against itself.
 * A save that fails because the store is down is retried forever, after the delays the supervisor
 * gives (saveRetryDelayMs): the state stays
 * in memory meanwhile, and for `every-message` kinds the actor holds its next messages.
 */
export class CellPersistence {
  readonly #store: StateStore;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #dirty = new Set<ActorCell>();
  #flushTimer: TimerHandle | null = null;
  readonly #flushEveryMs: number;
  readonly #onConflict: (cell: ActorCell) => void;
  readonly #onCovered: (envelopes: Envelope[]) => void;
  readonly #supervisor: Pick<Supervisor, 'saveRetryDelayMs'>;

  /**
   * @param flushEveryMs the write-behind period (the shortest writeBehindMs of the worker's kinds)
   * @param onConflict a write-behind save was fenced: another activation owns the actor
   * @param onCovered a save stored the effects of these envelopes (ActorCell.unsaved)
   * @param supervisor decides how long to wait before retrying a save the store could not take
   */
  constructor(
    store: StateStore,
    clock: Clock,
    log: Logger,
    flushEveryMs: number,
    onConflict: (cell: ActorCell) => void,
    onCovered: (envelopes: Envelope[]) => void,
    supervisor: Pick<Supervisor, 'saveRetryDelayMs'>,
  ) {
    this.#store = store;
    this.#clock = clock;
    this.#log = log;
    this.#flushEveryMs = flushEveryMs;
    this.#onConflict = onConflict;
    this.#onCovered = onCovered;
    this.#supervisor = supervisor;
  }

  get dirtyCount(): number {
    return this.#dirty.size;
  }

  /** After a handled message: true when the policy saves now (the caller waits for save()). */
  afterMessage(cell: ActorCell): boolean {
    const policy = cell.behaviour.persistence.save;
    if (policy === SavePolicy.EVERY_MESSAGE) return true;
    if (!cell.dirty) {
      cell.dirty = true;
      if (policy === SavePolicy.WRITE_BEHIND) {
        this.#dirty.add(cell);
        this.#armFlush();
      }
    }
    return false;
  }

  /**
   * Saves the cell's state now, after any save in flight. 'unavailable' only when `retry` is false;
   * with `retry` the promise settles once the store took it (or fenced it).
   */
  save(cell: ActorCell, retry: boolean): Promise<SaveOutcome> {
    const previous = cell.saving ?? Promise.resolve();
    const next = previous.then(() => this.#saveOnce(cell, retry, 0));
    cell.saving = next;
    void next.then(() => {
      if (cell.saving === next) cell.saving = null;
    });
    return next;
  }

  async #saveOnce(cell: ActorCell, retry: boolean, attempt: number): Promise<SaveOutcome> {
    cell.dirty = false;
    const covered = cell.unsaved;
    cell.unsaved = null;
    try {
      cell.version = await this.#store.save(cell.kind, cell.id, cell.state, cell.version, cell.epoch, cell.seqs ?? undefined);
      // A message handled while the save was in flight made the cell dirty (and queued it) again.
      if (!cell.dirty) this.#dirty.delete(cell);
      if (covered !== null) this.#onCovered(covered);
      return 'saved';
    } catch (err) {
      // Not stored: still to be acknowledged by a later save (or handed on by the fence).
      if (covered !== null) cell.unsaved = cell.unsaved === null ? covered : covered.concat(cell.unsaved);
      if (err instanceof StoreConflictError) return 'conflict';
      cell.dirty = true;
      const delayMs = retry ? this.#supervisor.saveRetryDelayMs(attempt) : null;
      this.#log.warn({ actor: cell.key, err: toWireError(err).message, retryInMs: delayMs }, 'state save failed; state kept in memory');
      if (delayMs === null) return 'unavailable';
      await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, delayMs));
      return this.#saveOnce(cell, retry, attempt + 1);
    }
  }

  /** The cell is gone (passivated, fenced, stopped): nothing of it is flushed any more. */
  forget(cell: ActorCell): void {
    this.#dirty.delete(cell);
  }

  #armFlush(): void {
    if (this.#flushTimer !== null) return;
    this.#flushTimer = this.#clock.setTimeout(() => {
      this.#flushTimer = null;
      this.flush();
    }, this.#flushEveryMs);
  }

  /**
   * Write-behind: saves every dirty active actor. The saves of one
   * flush are started together, so a batching store writes them in one request.
   */
  flush(): void {
    let waiting = false;
    for (const cell of this.#dirty) {
      if (cell.status !== CellStatus.ACTIVE || cell.saving !== null) {
        waiting = true;
        continue;
      }
      this.#dirty.delete(cell);
      void this.save(cell, false).then((outcome) => {
        if (outcome === 'unavailable') {
          this.#dirty.add(cell);
          this.#armFlush();
        } else if (outcome === 'conflict') {
          this.#onConflict(cell);
        }
      });
    }
    if (waiting) this.#armFlush();
  }

  close(): void {
    if (this.#flushTimer !== null) this.#clock.clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
  }
}
