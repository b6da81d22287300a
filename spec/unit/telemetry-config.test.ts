import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSecretAttribute, telemetryConfigFromEnv, withTelemetryService } from '../../cluster/index.js';

describe('telemetry configuration from OTEL_*', () => {
  test('no endpoint: both signals off and no service added', () => {
    const config = telemetryConfigFromEnv({});
    assert.deepEqual(config, { traces: null, metrics: null });
    const services = { narrator: { worker: { module: 'x', export: 'y' } } };
    assert.equal(withTelemetryService(services, config), services);
  });

  test('the general endpoint gets each signal path; a signal endpoint is used as is; the sampler and its ratio', () => {
    const config = telemetryConfigFromEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://metrics:9000/in',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
      OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20abc',
    });
    assert.equal(config.traces?.url, 'http://collector:4318/v1/traces');
    assert.equal(config.metrics?.url, 'http://metrics:9000/in');
    assert.equal(config.traces?.sampler, 'parentbased_traceidratio');
    assert.equal(config.traces?.ratio, 0.1);
    assert.deepEqual(config.traces?.headers, { authorization: 'Bearer abc' });
    assert.equal(config.traces?.maxQueueSize, 2048, 'a bounded queue by default');
    const services = withTelemetryService({ narrator: { worker: { module: 'x', export: 'y' } } }, config);
    assert.deepEqual(Object.keys(services), ['telemetry', 'narrator'], 'telemetry starts first in each worker');
    assert.equal(telemetryConfigFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:1/x' }).metrics, null);
    assert.deepEqual(telemetryConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:1', OTEL_SDK_DISABLED: 'true' }), { traces: null, metrics: null });
  });

  const refused: [Record<string, string>, RegExp][] = [
    [{ OTEL_TRACES_SAMPLER: 'sometimes' }, /OTEL_TRACES_SAMPLER must be one of/],
    [{ OTEL_TRACES_SAMPLER_ARG: '1.5' }, /OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1/],
    [{ OTEL_BSP_MAX_QUEUE_SIZE: '0' }, /OTEL_BSP_MAX_QUEUE_SIZE must be a positive integer/],
    [{ OTEL_BSP_MAX_QUEUE_SIZE: '10', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '20' }, /must not exceed/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://c' }, /must be an http\(s\) URL/],
    [{ OTEL_EXPORTER_OTLP_HEADERS: 'secretvalue' }, /OTEL_EXPORTER_OTLP_HEADERS must be key=value pairs separated by commas$/],
  ];
  for (const [env, message] of refused) {
    test(`refused: ${JSON.stringify(env)}`, () => {
      assert.throws(() => telemetryConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', ...env }), message);
    });
  }

  test('secret attributes are recognised by key and by value; ids are not', () => {
    for (const [key, value] of [
      ['glass.token', 'x'],
      ['http.request.header.authorization', 'x'],
      ['db.password', 'x'],
      ['glass.cluster_key', 'x'],
      ['note', 'Bearer abc.def'],
      ['note', 'eyJhbGciOiJFZERTQSJ9.eyJwbGF5ZXIiOiJhbm4ifQ.c2lnbmF0dXJl'],
      ['redis', 'redis://user:hunter2@redis:6379'],
    ] as const) assert.ok(isSecretAttribute(key, value), `${key}=${value}`);
    for (const [key, value] of [
      ['glass.player', 'ann'],
      ['glass.actor', 'room:lobby'],
      ['glass.node', 'gw-a'],
      ['redis', 'redis://redis:6379'],
    ] as const) assert.ok(!isSecretAttribute(key, value), `${key}=${value}`);
  });
});

describe('the redacting span processor', () => {
  test('an ended span reaches the exporter with its secret attributes replaced, its ids kept', async () => {
    const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
    const { RedactingSpanProcessor, REDACTED } = await import('../../cluster/telemetry/redacting-processor.js');
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new RedactingSpanProcessor(new SimpleSpanProcessor(exporter))] });
    const span = provider.getTracer('t').startSpan('glass.gateway say', { attributes: { 'glass.player': 'ann', 'glass.token': 'abc', url: 'redis://u:pw@redis:6379' } });
    span.addEvent('retry', { authorization: 'Bearer x' });
    span.end();
    const [done] = exporter.getFinishedSpans();
    assert.deepEqual(done.attributes, { 'glass.player': 'ann', 'glass.token': REDACTED, url: REDACTED });
    assert.deepEqual(done.events[0].attributes, { authorization: REDACTED });
    await provider.shutdown();
  });
});
