// infra/grafana: each dashboard parses, every PromQL expression names only metrics the node exports
// (glass_* from the source's prom-client registrations), and the provisioning points at them.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { ROOT, metricsInPromql, nodeMetricNames } from './infra-facts.js';

const DIR = join(ROOT, 'infra/grafana');
const dashboards = readdirSync(join(DIR, 'dashboards')).filter((f) => f.endsWith('.json'));

interface Panel { title: string; datasource: { uid: string }; targets: { expr: string }[] }

describe('infra/grafana', () => {
  test('metricsInPromql finds metrics, not functions, labels or grouping lists', () => {
    assert.deepEqual(metricsInPromql('histogram_quantile(0.95, sum by (le, node) (rate(glass_a_bucket{node=~"$node"}[$__rate_interval]))) > on (node) glass_b'), ['glass_a_bucket', 'glass_b']);
  });

  test('there is a runtime overview covering actors, mailboxes, deliveries, hop and turn latency, stream lag, budgets and the GM queue', () => {
    assert.ok(dashboards.includes('glass-runtime.json'));
    const d = JSON.parse(readFileSync(join(DIR, 'dashboards/glass-runtime.json'), 'utf8')) as { panels: Panel[] };
    const used = new Set(d.panels.flatMap((p) => p.targets.flatMap((t) => metricsInPromql(t.expr))));
    for (const m of ['glass_actors', 'glass_mailbox_depth', 'glass_messages_total', 'glass_event_loop_delay_seconds', 'glass_narrative_turn_seconds_bucket', 'glass_stream_lag', 'glass_budget_world_use_ratio', 'glass_gm_queue_depth']) {
      assert.ok(used.has(m), `a panel shows ${m}`);
    }
  });

  for (const file of dashboards) {
    test(`${file}: parses, every panel queries the provisioned data source, and every metric is one the node exports`, () => {
      const d = JSON.parse(readFileSync(join(DIR, 'dashboards', file), 'utf8')) as { uid: string; title: string; panels: Panel[]; templating: { list: { query: string }[] } };
      assert.ok(d.uid && d.title && d.panels.length > 0);
      const exported = nodeMetricNames();
      const exprs = d.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, expr: t.expr })));
      exprs.push(...d.templating.list.map((v) => ({ panel: 'variable', expr: v.query.replace(/^label_values\(([^,]+),.*\)$/, '$1') })));
      for (const { panel, expr } of exprs) {
        const metrics = metricsInPromql(expr);
        assert.ok(metrics.length > 0, `${panel}: ${expr} names a metric`);
        for (const m of metrics) assert.ok(exported.has(m), `${panel}: ${m} is not a metric the node exports`);
      }
      for (const p of d.panels) assert.equal(p.datasource.uid, 'prometheus', p.title);
      assert.equal(new Set(d.panels.map((p) => p.title)).size, d.panels.length, 'panel titles are distinct');
    });
  }

  test('provisioning: the data source uid the dashboards use, and the dashboards folder compose mounts', () => {
    const ds = parse(readFileSync(join(DIR, 'provisioning/datasources/prometheus.yaml'), 'utf8')) as { datasources: { uid: string; type: string; url: string }[] };
    assert.deepEqual(ds.datasources.map((d) => [d.uid, d.type]), [['prometheus', 'prometheus']]);
    assert.equal(new URL(ds.datasources[0].url).hostname, 'prometheus');
    const prov = parse(readFileSync(join(DIR, 'provisioning/dashboards/glass.yaml'), 'utf8')) as { providers: { options: { path: string } }[] };
    const compose = readFileSync(join(ROOT, 'infra/local/compose.yaml'), 'utf8');
    assert.ok(compose.includes(`../grafana/dashboards:${prov.providers[0].options.path}:ro`), 'compose mounts the dashboards where the provider reads them');
  });
});
