// Load the cluster tests keep up while they break something: one step at a time per key.
import { within } from '../contract/transport-harness.js';

/**
 * Keeps one step going per key (each awaited before the next), counting steps started and steps
 * that succeeded; a failed step (a timeout during an outage) counts as sent, not acknowledged.
 * Waiting for progress resolves from the loops themselves.
 */
export class Load {
  readonly sent: Map<string, number>;
  readonly acked: Map<string, number>;
  readonly errors: string[] = [];
  #running = true;
  readonly #loops: Promise<void>[];
  #waiters: { ready(): boolean; resolve(): void }[] = [];

  constructor(keys: readonly string[], step: (key: string) => Promise<unknown>) {
    this.sent = new Map(keys.map((k) => [k, 0]));
    this.acked = new Map(keys.map((k) => [k, 0]));
    this.#loops = keys.map(async (key) => {
      while (this.#running) {
        this.sent.set(key, this.sent.get(key)! + 1);
        try {
          await step(key);
          this.acked.set(key, this.acked.get(key)! + 1);
        } catch (err) {
          if (this.errors.length < 20) this.errors.push(`${key}: ${err instanceof Error ? err.message : String(err)}`);
          if (!this.#running) break;
          // A step that fails at once (its node gone) must not spin in microtasks and starve the loop.
          await new Promise((resolve) => setImmediate(resolve));
        }
        this.#waiters = this.#waiters.filter((w) => (w.ready() ? (w.resolve(), false) : true));
      }
    });
  }

  /** Acknowledged steps per key now (a copy). */
  snapshot(): Map<string, number> {
    return new Map(this.acked);
  }

  /** Resolves once every key has `more` acknowledged steps beyond `from` (default: now). */
  progress(more: number, what: string, timeoutMs = 20_000, from: ReadonlyMap<string, number> = this.snapshot()): Promise<void> {
    const ready = (): boolean => [...this.acked].every(([k, n]) => n >= from.get(k)! + more);
    if (ready()) return Promise.resolve();
    const reached = new Promise<void>((resolve) => this.#waiters.push({ ready, resolve }));
    return within(reached, timeoutMs, `${what} (acknowledged ${[...this.acked.values()].join(',')}; last errors: ${this.errors.slice(-3).join(' | ')})`);
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }
}
