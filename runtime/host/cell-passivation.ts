import { CellStatus, type ActorCell } from './actor-cell.js';
import type { CellLifecycle } from './cell-lifecycle.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Router } from '../wire/router.js';

/**
 * When the actors of a thread are passivated, other than by their own request: one on demand
 * (ops, a peer's handoff), the idle ones by a periodic sweep, the ones that moved away after a
 * placement change (rebalance), and all of them when the worker drains or closes. A cell inside a
 * handler is never passivated mid-way: the passivation waits for the handler to settle.
 */
export class CellPassivation {
  readonly #cells: Map<string, ActorCell>;
  readonly #lifecycle: CellLifecycle;
  readonly #router: Router;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #defaultIdleMs: number;
  readonly #sweepIntervalMs: number;
  readonly #shutdownTimeoutMs: number;
  /** Passivations waiting for a busy cell to settle (rare: drain and shutdown). */
  readonly #settleWaiters = new Map<ActorCell, (() => void)[]>();
  #sweepTimer: TimerHandle | null = null;
  #stopped = false;

  constructor(
    cells: Map<string, ActorCell>,
    lifecycle: CellLifecycle,
    router: Router,
    clock: Clock,
    log: Logger,
    timing: { defaultIdleMs: number; sweepIntervalMs: number; shutdownTimeoutMs: number },
  ) {
    this.#cells = cells;
    this.#lifecycle = lifecycle;
    this.#router = router;
    this.#clock = clock;
    this.#log = log;
    this.#defaultIdleMs = timing.defaultIdleMs;
    this.#sweepIntervalMs = timing.sweepIntervalMs;
    this.#shutdownTimeoutMs = timing.shutdownTimeoutMs;
    this.#armSweep();
  }

  /** The cell left its handler (or its save): passivations waiting for that may go on. */
  settled(cell: ActorCell): void {
    const waiting = this.#settleWaiters.get(cell);
    if (waiting !== undefined) {
      this.#settleWaiters.delete(cell);
      for (const resolve of waiting) resolve();
    }
  }

  /** Passivates an actor (after its current handler, if any); resolves true if it was passivated. */
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
    return this.#lifecycle.passivate(cell);
  }

  /**
   * The placement changed: passivates (saving) every actor that now belongs to another thread or
   * node; what reaches it afterwards is forwarded to its owner. Resolves with how many moved.
   */
  async rebalance(): Promise<number> {
    const moving = [...this.#cells.values()].filter((c) => c.parent === null && !this.#router.owns(c.key));
    const done = await Promise.all(moving.map((c) => this.passivate(c.key)));
    return done.filter(Boolean).length;
  }

  #armSweep(): void {
    this.#sweepTimer = this.#clock.setTimeout(() => {
      this.#sweepTimer = null;
      if (this.#stopped) return;
      this.sweep();
      this.#armSweep();
    }, this.#sweepIntervalMs);
  }

  /** Passivates every actor idle for longer than its kind's idle time; returns how many it started. */
  sweep(): number {
    const now = this.#clock.now();
    let started = 0;
    for (const cell of this.#cells.values()) {
      if (cell.status !== CellStatus.ACTIVE || cell.busy || cell.scheduled || cell.mailbox.size > 0 || cell.retry !== null) continue;
      if (now - cell.lastActiveAt < (cell.behaviour.idleAfterMs ?? this.#defaultIdleMs)) continue;
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

  /** No more sweeps (the host is closing). */
  stop(): void {
    this.#stopped = true;
    if (this.#sweepTimer !== null) this.#clock.clearTimeout(this.#sweepTimer);
  }
}
