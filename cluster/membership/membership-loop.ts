/**
 * The heartbeat's clock: runs an async task every periodMs at a fixed rate, never two at once,
 * and never lets a failure escape into a timer (it goes to onError). kick() runs it as soon as the
 * current run, if any, is over: used when Redis comes back, so a node does not wait a whole period
 * to beat and re-read.
 */
export class HeartbeatLoop {
  readonly #task: () => Promise<void>;
  readonly #periodMs: number;
  readonly #onError: (err: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #active = false;
  #busy = false;
  #soon = false;

  constructor(task: () => Promise<void>, periodMs: number, onError: (err: unknown) => void) {
    this.#task = task;
    this.#periodMs = periodMs;
    this.#onError = onError;
  }

  start(firstDelayMs = this.#periodMs): void {
    this.#active = true;
    this.#schedule(firstDelayMs);
  }

  kick(): void {
    if (!this.#active) return;
    if (this.#busy) {
      this.#soon = true;
      return;
    }
    this.#clear();
    this.#schedule(0);
  }

  stop(): void {
    this.#active = false;
    this.#clear();
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(this.#run, delayMs);
    // The Redis sockets keep the process alive while membership runs; the timer alone must not.
    this.#timer.unref();
  }

  #clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #run = (): void => {
    this.#timer = undefined;
    const startedAt = Date.now();
    this.#busy = true;
    let run: Promise<void>;
    try {
      run = this.#task();
    } catch (err) {
      run = Promise.reject(err);
    }
    run.catch(this.#onError).finally(() => {
      this.#busy = false;
      if (!this.#active || this.#timer !== undefined) return;
      // Fixed rate, not fixed delay: a slow round trip must not stretch the beat period.
      const delay = this.#soon ? 0 : Math.max(0, this.#periodMs - (Date.now() - startedAt));
      this.#soon = false;
      this.#schedule(delay);
    });
  };
}
