import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** The process a node runs in: CPU, memory and the main thread's event-loop delay. */
export interface ProcessSample {
  at: number;
  /** CPU time of the whole process (every thread) over wall time × cores, since the previous sample (0..1). */
  cpu: number;
  cores: number;
  memory: { rss: number; heapUsed: number; heapTotal: number; external: number };
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  uptimeMs: number;
}

/** Samples the process; each sample covers the time since the previous one. */
export class ProcessSampler {
  readonly #delay: IntervalHistogram;
  readonly #cores = availableParallelism();
  #lastCpu = process.cpuUsage();
  #lastAt = performance.now();

  constructor() {
    this.#delay = monitorEventLoopDelay({ resolution: 20 });
    this.#delay.enable();
  }

  sample(): ProcessSample {
    const at = performance.now();
    const cpu = process.cpuUsage(this.#lastCpu);
    const wallUs = Math.max(1, (at - this.#lastAt) * 1000);
    this.#lastCpu = process.cpuUsage();
    this.#lastAt = at;
    const mem = process.memoryUsage();
    const d = this.#delay;
    const delay = { p50: d.percentile(50) / 1e6, p99: d.percentile(99) / 1e6, max: d.max / 1e6 };
    d.reset();
    return {
      at: Date.now(),
      cpu: Math.min(1, (cpu.user + cpu.system) / (wallUs * this.#cores)),
      cores: this.#cores,
      memory: { rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, external: mem.external },
      eventLoopDelayMs: Number.isFinite(delay.p50) ? delay : { p50: 0, p99: 0, max: 0 },
      uptimeMs: Math.round(process.uptime() * 1000),
    };
  }

  close(): void {
    this.#delay.disable();
  }
}
