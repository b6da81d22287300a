// infra/prometheus/rules against the node: every glass_ metric a rule reads is one the node
// registers, every glass_scaling_signal a rule reads is one of the node's triggers, and each rule's
// threshold and `for:` are the trigger's (clients/ops/ops-signals.ts) where the node computes it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { SCALING_TRIGGERS } from '../../clients/ops/index.js';
import { ROOT, metricsInPromql, nodeMetricNames } from './infra-facts.js';

interface Rule { alert: string; expr: string; for?: string; labels: { severity: string; trigger: string }; annotations: { summary: string; action: string } }

const DIR = join(ROOT, 'infra/prometheus/rules');
const rules = readdirSync(DIR).filter((f) => f.endsWith('.yml')).flatMap((f) => (parse(readFileSync(join(DIR, f), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules.map((r) => ({ file: f, ...r }))));

function minutes(d: string | undefined): number {
  if (d === undefined) return 0;
  const m = /^(\d+)([mh])$/.exec(d);
  assert.ok(m, d);
  return Number(m[1]) * (m[2] === 'h' ? 60 : 1);
}

describe('infra/prometheus/rules against the node', () => {
  test('every glass_ metric a rule reads is one the node registers', () => {
    const registered = nodeMetricNames();
    for (const r of rules) for (const m of metricsInPromql(r.expr).filter((x) => x.startsWith('glass_'))) assert.ok(registered.has(m), `${r.alert}: ${m}`);
    assert.ok(rules.filter((r) => r.file === 'glass-runtime.yml').every((r) => metricsInPromql(r.expr).every((m) => m.startsWith('glass_') || m === 'up')), 'the runtime rules read only the node and up');
  });

  test('every trigger of the node has an alert with the same threshold, sustained at least as long', () => {
    for (const t of SCALING_TRIGGERS) {
      const rule = rules.find((r) => r.labels.trigger === t.id);
      assert.ok(rule, `an alert for ${t.id}`);
      const threshold = /(>=?)\s*([\d.e]+)\s*$/.exec(rule.expr);
      assert.ok(threshold, `${rule.alert}: ends with a threshold`);
      assert.equal(Number(threshold[2]), t.threshold, `${rule.alert}: threshold of ${t.id}`);
      assert.ok(minutes(rule.for) * 60_000 >= t.sustainMs, `${rule.alert}: for ${rule.for} covers ${t.sustainMs} ms`);
    }
  });

  test('a glass_scaling_signal a rule reads names one of the node\'s triggers', () => {
    const ids = new Set<string>(SCALING_TRIGGERS.map((t) => t.id));
    for (const r of rules) for (const m of r.expr.matchAll(/signal="([^"]+)"/g)) assert.ok(ids.has(m[1]), `${r.alert}: ${m[1]}`);
  });

  test('each alert is named once, has a severity the routing knows, a trigger, a summary and an action', () => {
    assert.equal(new Set(rules.map((r) => r.alert)).size, rules.length);
    for (const r of rules) {
      assert.ok(['page', 'ticket'].includes(r.labels.severity), r.alert);
      assert.ok(r.labels.trigger && r.annotations.summary && r.annotations.action, r.alert);
    }
  });
});

describe('infra/prometheus/alertmanager.yml', () => {
  interface Route { receiver?: string; matchers?: string[]; routes?: Route[] }
  const am = parse(readFileSync(join(ROOT, 'infra/prometheus/alertmanager.yml'), 'utf8')) as { route: Route; receivers: { name: string; [k: string]: unknown }[] };

  test('each severity the rules use reaches a defined receiver: page the on-call rotation, ticket the product channel', () => {
    const names = new Set(am.receivers.map((r) => r.name));
    const receiverOf = (severity: string): string | undefined => am.route.routes?.find((r) => r.matchers?.includes(`severity="${severity}"`))?.receiver;
    for (const severity of new Set(rules.map((r) => r.labels.severity))) assert.ok(names.has(receiverOf(severity) ?? ''), severity);
    assert.equal(receiverOf('page'), 'on-call');
    assert.equal(receiverOf('ticket'), 'product-channel');
    assert.ok(names.has(am.route.receiver!), 'the default receiver');
  });

  test('Prometheus sends to the compose alertmanager, whose secret files are mounted secrets', () => {
    const prom = parse(readFileSync(join(ROOT, 'infra/prometheus/prometheus.yml'), 'utf8')) as { alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] } };
    const compose = parse(readFileSync(join(ROOT, 'infra/local/compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, { secrets?: string[] }>; secrets: Record<string, unknown> };
    const [target] = prom.alerting.alertmanagers[0].static_configs[0].targets;
    const service = compose.services[target.split(':')[0]];
    assert.ok(service, `${target} is a compose service`);
    const files = [...JSON.stringify(am.receivers).matchAll(/"\/run\/secrets\/([^"]+)"/g)].map((m) => m[1]);
    assert.ok(files.length >= 2);
    for (const f of files) assert.ok(service.secrets?.includes(f) && compose.secrets[f], `${f} is mounted`);
  });
});
