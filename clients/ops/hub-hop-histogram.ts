// glass_hub_hop_seconds: the hub hop as a gateway measures it (clients/gateway/hub-hop.ts), a
// Prometheus histogram whose `observe` only adds to typed arrays. prom-client's Histogram builds
// a label object and a hash on every observe; a hop is observed on the gateway's main thread for
// almost every `say`, so this one keeps fixed buckets and no labels (the registry adds `node`)
// and builds the exposition only when /metrics (or the OTLP bridge) reads it.
import type { Metric } from 'prom-client';

/** One line of the exposition, as prom-client's registry reads a metric's `get()`. */
interface HopValue {
  readonly metricName: string;
  readonly labels: Record<string, string | number>;
  readonly value: number;
}

export const HUB_HOP_METRIC = 'glass_hub_hop_seconds';

/** Upper bounds (s): around the hub budget of 150 ms (the alert's threshold is a bucket edge). */
export const HUB_HOP_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5];

export class HubHopHistogram {
  readonly name = HUB_HOP_METRIC;
  readonly help = 'Hub hop: a say frame taken by this gateway to its reply, which the room sends after the line it broadcast (clients/gateway/hub-hop.ts)';
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  readonly labelNames: readonly string[] = [];
  /** Per bucket, observations at most its bound and above the previous one (the last: above every bound). */
  readonly #counts = new Float64Array(HUB_HOP_BUCKETS.length + 1);
  #sum = 0;
  #count = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < HUB_HOP_BUCKETS.length && seconds > HUB_HOP_BUCKETS[i]) i++;
    this.#counts[i]++;
    this.#sum += seconds;
    this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  /** What prom-client's registry reads: cumulative `_bucket` lines, `_sum`, `_count`. */
  get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: HopValue[] }> {
    const values: HopValue[] = [];
    let cumulative = 0;
    for (let i = 0; i <= HUB_HOP_BUCKETS.length; i++) {
      cumulative += this.#counts[i];
      values.push({ metricName: `${this.name}_bucket`, labels: { le: i < HUB_HOP_BUCKETS.length ? HUB_HOP_BUCKETS[i] : '+Inf' }, value: cumulative });
    }
    values.push({ metricName: `${this.name}_sum`, labels: {}, value: this.#sum }, { metricName: `${this.name}_count`, labels: {}, value: this.#count });
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    this.#counts.fill(0);
    this.#sum = 0;
    this.#count = 0;
  }

  /** As a prom-client metric, for Registry.registerMetric (it reads name, get and reset). */
  asMetric(): Metric<string> {
    return this as unknown as Metric<string>;
  }
}
