// promtool on infra/prometheus: the rules check, their unit tests (each alert firing and not), the
// scrape configuration; and that a wrong expectation makes promtool fail (the cases can fail).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { ROOT } from '../unit/infra-facts.js';

const DIR = join(ROOT, 'infra/prometheus');
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const skip = promtool.error !== undefined ? 'promtool is not installed (apt-get install prometheus; .ci/run does it)' : false;
const run = (...args: string[]) => spawnSync('promtool', args, { cwd: DIR, encoding: 'utf8' });
const ruleFiles = readdirSync(join(DIR, 'rules')).filter((f) => f.endsWith('.yml')).map((f) => `rules/${f}`);
const testFiles = readdirSync(join(DIR, 'tests')).filter((f) => f.endsWith('.yml')).map((f) => `tests/${f}`);
const tmp = mkdtempSync(join(tmpdir(), 'glass-promtool-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface RuleFile { groups: { name: string; rules: { alert?: string }[] }[] }
interface TestFile { tests: { alert_rule_test?: { alertname: string; exp_alerts: { exp_labels: Record<string, string> }[] }[] }[] }

describe('infra/prometheus with promtool', { skip }, () => {
  test('promtool check rules passes on every rules file', () => {
    const r = run('check', 'rules', ...ruleFiles);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const alerts = ruleFiles.flatMap((f) => (parse(readFileSync(join(DIR, f), 'utf8')) as RuleFile).groups.flatMap((g) => g.rules));
    const found = [...r.stdout.matchAll(/SUCCESS: (\d+) rules found/g)].reduce((n, m) => n + Number(m[1]), 0);
    assert.equal(found, alerts.length);
  });

  test('promtool test rules passes', () => {
    const r = run('test', 'rules', ...testFiles);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test('every alert has a case where it fires and one where it does not', () => {
    const alerts = ruleFiles.flatMap((f) => (parse(readFileSync(join(DIR, f), 'utf8')) as RuleFile).groups.flatMap((g) => g.rules.map((x) => x.alert).filter((a) => a !== undefined)));
    const cases = testFiles.flatMap((f) => (parse(readFileSync(join(DIR, f), 'utf8')) as TestFile).tests.flatMap((t) => t.alert_rule_test ?? []));
    for (const alert of alerts) {
      assert.ok(cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0), `${alert} fires in a case`);
      assert.ok(cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0), `${alert} does not fire in a case`);
    }
    assert.ok(alerts.length >= 20, `${alerts.length} alerts`);
  });

  test('a wrong expectation fails: CPU at 60 % does not fire GlassCpuHigh', () => {
    const file = join(tmp, 'wrong.test.yml');
    writeFileSync(file, stringify({
      rule_files: [join(DIR, 'rules/glass-runtime.yml')],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: [{ series: 'glass_node_cpu_ratio{node="n1"}', values: '0.6x30' }],
        alert_rule_test: [{ eval_time: '20m', alertname: 'GlassCpuHigh', exp_alerts: [{ exp_labels: { severity: 'ticket', trigger: 'cpu', node: 'n1' } }] }],
      }],
    }));
    const r = run('test', 'rules', file);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /GlassCpuHigh/);
  });

  test('promtool check config passes on the local scrape configuration (secret paths pointed at a temporary token)', () => {
    const config = parse(readFileSync(join(DIR, 'prometheus.yml'), 'utf8')) as { rule_files: string[]; scrape_configs: { authorization?: { credentials_file: string } }[] };
    writeFileSync(join(tmp, 'ops-token'), 'token\n');
    config.rule_files = [join(DIR, 'rules/*.yml')];
    for (const job of config.scrape_configs) if (job.authorization) job.authorization.credentials_file = join(tmp, 'ops-token');
    writeFileSync(join(tmp, 'prometheus.yml'), stringify(config));
    const r = run('check', 'config', join(tmp, 'prometheus.yml'));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS: \d+ rule files found/);
  });

  test('the Consul scrape configuration: glass-node from Consul; promtool checks it where the build has Consul discovery', (t) => {
    const config = parse(readFileSync(join(DIR, 'prometheus-consul.yml'), 'utf8')) as { scrape_configs: { job_name: string; authorization?: { credentials_file: string }; consul_sd_configs?: { services: string[] }[] }[] };
    const job = config.scrape_configs.find((j) => j.job_name === 'glass-node')!;
    assert.deepEqual(job.consul_sd_configs!.flatMap((c) => c.services), ['glass-node']);
    for (const j of config.scrape_configs) if (j.authorization) j.authorization.credentials_file = join(tmp, 'ops-token');
    writeFileSync(join(tmp, 'ops-token'), 'token\n');
    writeFileSync(join(tmp, 'prometheus-consul.yml'), stringify({ ...config, rule_files: [] }));
    const r = run('check', 'config', join(tmp, 'prometheus-consul.yml'));
    if (/consul_sd_configs not found/.test(r.stdout + r.stderr)) return t.skip('this Prometheus build (Debian\'s) has no Consul service discovery');
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
