// infra/otel/collector.yaml: OTLP in on 4317 (gRPC) and 4318 (HTTP), every pipeline's parts defined,
// traces to a traces backend and metrics to a Prometheus exporter the local Prometheus scrapes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { ROOT } from './infra-facts.js';

interface Collector {
  receivers: { otlp: { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } } };
  processors: Record<string, unknown>;
  exporters: Record<string, { endpoint?: string }>;
  extensions?: Record<string, unknown>;
  service: { extensions?: string[]; pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }> };
}

const collector = parse(readFileSync(join(ROOT, 'infra/otel/collector.yaml'), 'utf8')) as Collector;

describe('infra/otel/collector.yaml', () => {
  test('receives OTLP over gRPC on 4317 and HTTP on 4318, on every interface', () => {
    assert.equal(collector.receivers.otlp.protocols.grpc.endpoint, '0.0.0.0:4317');
    assert.equal(collector.receivers.otlp.protocols.http.endpoint, '0.0.0.0:4318');
  });

  test('every component a pipeline names is defined', () => {
    for (const [name, p] of Object.entries(collector.service.pipelines)) {
      for (const r of p.receivers) assert.ok(r in collector.receivers, `${name}: receiver ${r}`);
      for (const r of p.processors ?? []) assert.ok(r in collector.processors, `${name}: processor ${r}`);
      for (const r of p.exporters) assert.ok(r in collector.exporters, `${name}: exporter ${r}`);
    }
    for (const e of collector.service.extensions ?? []) assert.ok(e in (collector.extensions ?? {}), `extension ${e}`);
  });

  test('traces go to a traces backend that is a compose service; metrics to the exporter Prometheus scrapes', () => {
    const traces = collector.service.pipelines.traces.exporters.map((e) => collector.exporters[e]);
    const compose = parse(readFileSync(join(ROOT, 'infra/local/compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, unknown> };
    assert.ok(traces.some((t) => t.endpoint !== undefined && compose.services[t.endpoint.split(':')[0]] !== undefined), 'a traces exporter reaches a compose service');
    const metrics = collector.service.pipelines.metrics.exporters;
    assert.ok(metrics.includes('prometheus'));
    const port = collector.exporters.prometheus.endpoint!.split(':')[1];
    const prom = parse(readFileSync(join(ROOT, 'infra/prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[] };
    const job = prom.scrape_configs.find((j) => j.job_name === 'otel-collector')!;
    assert.deepEqual(job.static_configs![0].targets, [`otel-collector:${port}`]);
  });
});
