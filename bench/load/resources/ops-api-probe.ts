// Samples a remote cluster's nodes through its ops API (docs/OPS.md): GET /ops/api/view with an
// `ops` token gives every node's report — process CPU (share of all cores) and RSS, and each
// worker thread's event-loop utilisation.
import { z } from 'zod';
import { summarise, type ResourceProbe, type ResourceSample, type ResourceSeries } from './resource-series.js';

/** The fields of the cluster view this probe reads (clients/ops-view.ts); the rest is ignored. */
const View = z.looseObject({
  nodes: z.array(
    z.looseObject({
      node: z.string(),
      process: z.looseObject({ cpu: z.number(), cores: z.number(), memory: z.looseObject({ rss: z.number() }) }),
      workers: z.array(z.looseObject({ thread: z.number(), sample: z.looseObject({ utilization: z.number() }).nullable() })),
    }),
  ),
});

const round1 = (v: number): number => Math.round(v * 10) / 10;

/** `ws://host:port/ws` → `http://host:port` (wss → https): the gateway serves the ops API on its port. */
export function opsBaseOf(wsUrl: string): string {
  const u = new URL(wsUrl);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  return u.origin;
}

export class OpsApiProbe implements ResourceProbe {
  readonly #base: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  /** Per node id, in the order first seen; each has one sample per sampling time after it appeared. */
  readonly #series = new Map<string, ResourceSample[]>();
  #missed = 0;
  #busy = false;

  constructor(options: { base: string; token: string; timeoutMs: number }) {
    this.#base = options.base;
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs;
  }

  get missed(): number {
    return this.#missed;
  }

  /** The node ids of the cluster, sorted (what a fault's `node` index points at). */
  async nodeIds(): Promise<string[]> {
    return (await this.#view()).nodes.map((n) => n.node).sort();
  }

  async sample(t: number): Promise<void> {
    if (t === 0) return;
    const missed = (): void => {
      this.#missed++;
      for (const samples of this.#series.values()) samples.push({ t, cpuPct: null, rssMb: null });
    };
    // The previous call has not answered yet: this round is a gap, not a second call piling up.
    if (this.#busy) return missed();
    let view: z.infer<typeof View>;
    this.#busy = true;
    try {
      view = await this.#view();
    } catch {
      return missed();
    } finally {
      this.#busy = false;
    }
    const seen = new Set<string>();
    for (const n of view.nodes) {
      seen.add(n.node);
      let samples = this.#series.get(n.node);
      if (samples === undefined) this.#series.set(n.node, (samples = []));
      samples.push({
        t,
        cpuPct: round1(n.process.cpu * n.process.cores * 100),
        rssMb: round1(n.process.memory.rss / 2 ** 20),
        threads: n.workers.filter((w) => w.sample !== null).map((w) => ({ thread: w.thread, utilizationPct: round1(w.sample!.utilization * 100) })),
      });
    }
    for (const [id, samples] of this.#series) if (!seen.has(id)) samples.push({ t, cpuPct: null, rssMb: null });
  }

  series(): ResourceSeries[] {
    // A late answer lands after the gaps of the rounds it held up: back in time order.
    return [...this.#series].map(([name, samples]) => {
      const ordered = [...samples].sort((a, b) => a.t - b.t);
      return { name, role: 'node', source: 'ops-api', samples: ordered, summary: summarise(ordered) };
    });
  }

  async #view(): Promise<z.infer<typeof View>> {
    const res = await fetch(`${this.#base}/ops/api/view`, { headers: { authorization: `Bearer ${this.#token}` }, signal: AbortSignal.timeout(this.#timeoutMs) });
    if (!res.ok) throw new Error(`GET /ops/api/view: HTTP ${res.status} ${await res.text().catch(() => '')}`.trim());
    return View.parse(await res.json());
  }
}
