// Samples every probe once per timeline bucket, at the buckets' ends (aligned with the run's start),
// so that a node's CPU at `t` and the throughput at `t` cover the same second. A probe still busy
// with its previous round (an ops API that does not answer) skips the round itself: it never holds
// up the others.
import type { ResourceProbe, ResourceReport } from './resource-series.js';

export class ResourceMonitor {
  readonly #probes: readonly ResourceProbe[];
  readonly #intervalMs: number;
  readonly #pending = new Set<Promise<unknown>>();
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(probes: readonly ResourceProbe[], intervalMs: number) {
    this.#probes = probes;
    this.#intervalMs = intervalMs;
  }

  /** Takes the baseline now (the run starts at `startAt`, epoch ms) and a sample at the end of every interval. */
  start(startAt: number): void {
    const at = (k: number): number => startAt + k * this.#intervalMs;
    const schedule = (k: number): void => {
      if (this.#stopped) return;
      this.#timer = setTimeout(() => {
        this.#round((k * this.#intervalMs) / 1000);
        let next = k + 1;
        while (at(next) <= Date.now()) next++;
        schedule(next);
      }, Math.max(0, at(k) - Date.now()));
    };
    this.#round(0);
    schedule(1);
  }

  #round(t: number): void {
    if (this.#stopped) return;
    for (const probe of this.#probes) {
      const p = probe.sample(t).catch(() => undefined);
      this.#pending.add(p);
      void p.finally(() => this.#pending.delete(p));
    }
  }

  /** Stops sampling; resolves with every series once the rounds in progress are done. Idempotent. */
  async stop(): Promise<ResourceReport> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    await Promise.all([...this.#pending]);
    return {
      intervalMs: this.#intervalMs,
      series: this.#probes.flatMap((p) => p.series()),
      missedSamples: this.#probes.reduce((a, p) => a + p.missed, 0),
    };
  }
}
