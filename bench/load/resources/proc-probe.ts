// Samples local processes (nodes of a local cluster, load processes, Redis, the store server) from
// /proc: CPU over each interval as % of one core, and RSS.
import { readProc } from './proc-reading.js';
import { summarise, type ResourceProbe, type ResourceRole, type ResourceSample, type ResourceSeries } from './resource-series.js';

export interface ProcTarget {
  name: string;
  role: ResourceRole;
  /** The process's id now (it may change: Redis restarted), or null while there is none. */
  pid(): number | null;
}

interface Last {
  pid: number;
  cpuSec: number;
  at: number;
}

export class ProcProbe implements ResourceProbe {
  readonly #targets: readonly ProcTarget[];
  readonly #last = new Map<ProcTarget, Last>();
  readonly #samples = new Map<ProcTarget, ResourceSample[]>();

  constructor(targets: readonly ProcTarget[]) {
    this.#targets = targets;
    for (const t of targets) this.#samples.set(t, []);
  }

  /** A process that is not there leaves a gap (null values) instead. */
  get missed(): number {
    return 0;
  }

  async sample(t: number): Promise<void> {
    await Promise.all(this.#targets.map((target) => this.#one(target, t)));
  }

  async #one(target: ProcTarget, t: number): Promise<void> {
    const pid = target.pid();
    const reading = pid === null ? null : await readProc(pid);
    const at = performance.now();
    const last = this.#last.get(target);
    if (pid === null || reading === null) {
      this.#last.delete(target);
      // Not there (killed, restarting): a gap in its series, not a missed sample.
      if (t > 0) this.#samples.get(target)!.push({ t, cpuPct: null, rssMb: null });
      return;
    }
    this.#last.set(target, { pid, cpuSec: reading.cpuSec, at });
    if (t === 0) return;
    // A new process (restarted) has no previous reading to take a difference from.
    const cpuPct = last === undefined || last.pid !== pid ? null : Math.round((((reading.cpuSec - last.cpuSec) * 1000) / Math.max(1, at - last.at)) * 1000) / 10;
    this.#samples.get(target)!.push({ t, cpuPct, rssMb: Math.round((reading.rssBytes / 2 ** 20) * 10) / 10 });
  }

  series(): ResourceSeries[] {
    return this.#targets.map((target) => {
      const samples = this.#samples.get(target)!;
      return { name: target.name, role: target.role, source: 'proc', samples, summary: summarise(samples) };
    });
  }
}
