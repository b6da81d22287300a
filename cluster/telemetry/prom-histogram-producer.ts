// The prom-client histograms of BRIDGED_HISTOGRAMS over OTLP: the SDK has no asynchronous
// histogram instrument, so a MetricProducer (read by the same MetricReader as the bridged
// counters and gauges) turns the registry's cumulative `_bucket` / `_sum` / `_count` samples into
// OTel histogram points, cumulative, with the histogram's own bucket bounds. The observation path
// (the gateway's HubHopHistogram.observe) is unchanged and /metrics stays the one source.
import type { HrTime } from '@opentelemetry/api';
import type { CollectionResult, HistogramMetricData, MetricProducer } from '@opentelemetry/sdk-metrics';
import type { PromMetricsSource } from './metric-export.js';

type PromMetric = Awaited<ReturnType<PromMetricsSource['getMetricsAsJSON']>>[number];
type Labels = Record<string, string | number>;

/** One histogram point: per label set (without `le`), its buckets, sum and count. */
interface Point {
  readonly attributes: Labels;
  /** le bound → cumulative count; +Inf is the count. */
  readonly cumulative: Map<number, number>;
  sum: number;
  count: number;
}

/** OTel histogram data of one prom-client histogram's samples, or null when it has none. */
export function histogramData(m: PromMetric, startTime: HrTime, endTime: HrTime, enums: { histogram: number; cumulative: number; double: number }): HistogramMetricData | null {
  const points = new Map<string, Point>();
  const pointOf = (labels: Partial<Labels>): Point => {
    const attributes: Labels = {};
    for (const k of Object.keys(labels).sort()) if (k !== 'le' && labels[k] !== undefined) attributes[k] = labels[k]!;
    const key = JSON.stringify(attributes);
    let p = points.get(key);
    if (p === undefined) points.set(key, (p = { attributes, cumulative: new Map(), sum: 0, count: 0 }));
    return p;
  };
  for (const v of m.values) {
    const metricName = (v as { metricName?: string }).metricName ?? m.name;
    if (metricName === `${m.name}_bucket`) {
      const le = v.labels.le;
      if (le !== undefined && le !== '+Inf') pointOf(v.labels).cumulative.set(Number(le), v.value);
    } else if (metricName === `${m.name}_sum`) pointOf(v.labels).sum = v.value;
    else if (metricName === `${m.name}_count`) pointOf(v.labels).count = v.value;
  }
  if (points.size === 0) return null;
  return {
    descriptor: { name: m.name, description: m.help, unit: 's', valueType: enums.double },
    aggregationTemporality: enums.cumulative,
    dataPointType: enums.histogram,
    dataPoints: [...points.values()].map((p) => {
      const boundaries = [...p.cumulative.keys()].sort((a, b) => a - b);
      // OTLP counts are per bucket (bounds exclusive below, inclusive above, as Prometheus'
      // le), and one more than the bounds: what is above the last.
      const counts: number[] = [];
      let below = 0;
      for (const b of boundaries) {
        const c = p.cumulative.get(b)!;
        counts.push(c - below);
        below = c;
      }
      counts.push(p.count - below);
      return { attributes: p.attributes, startTime, endTime, value: { buckets: { boundaries, counts }, sum: p.sum, count: p.count } };
    }) as HistogramMetricData['dataPoints'],
  } as HistogramMetricData;
}

/** A MetricProducer of the `names` histograms of `source` (the reader puts its own resource on them). */
export async function promHistogramProducer(source: PromMetricsSource, names: readonly string[], resourceAttributes: Record<string, string | number>): Promise<MetricProducer> {
  const [metrics, { resourceFromAttributes }, { ValueType }, { hrTime }] = await Promise.all([
    import('@opentelemetry/sdk-metrics'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
  ]);
  const enums = { histogram: metrics.DataPointType.HISTOGRAM, cumulative: metrics.AggregationTemporality.CUMULATIVE, double: ValueType.DOUBLE };
  const resource = resourceFromAttributes(resourceAttributes);
  const wanted = new Set(names);
  // The samples are cumulative since the histogram began: its points start with the bridge.
  const startTime = hrTime();
  return {
    async collect(): Promise<CollectionResult> {
      const endTime = hrTime();
      const data: HistogramMetricData[] = [];
      for (const m of await source.getMetricsAsJSON()) {
        if (!wanted.has(m.name) || String(m.type) !== 'histogram') continue;
        const d = histogramData(m, startTime, endTime, enums);
        if (d !== null) data.push(d);
      }
      return { resourceMetrics: { resource, scopeMetrics: data.length === 0 ? [] : [{ scope: { name: 'glass-runtime' }, metrics: data }] }, errors: [] };
    },
  };
}
