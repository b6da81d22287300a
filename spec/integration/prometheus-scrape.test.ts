// A real Prometheus scraping a real `glass start` with the glass-node job of
// infra/prometheus/prometheus.yml (targets and token file pointed at this test's node) and its rules
// loaded: polled through Prometheus's HTTP API until the target is up and glass_ series are stored.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { generateTokenKeyPair, publicKeyPem, signAccessToken } from '../../clients/index.js';
import { ROOT, metricsInPromql, nodeMetricNames } from '../unit/infra-facts.js';
import { dropSchema, testPgUrl, uniqueSchema } from './audit-harness.js';
import { until } from '../../bench/faults/support/wait.js';

/** Polls every 250 ms, for up to a minute by default (a first scrape waits for Prometheus' interval). */
const poll = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> => until(what, probe, timeoutMs, 250);

const GLASS = join(ROOT, 'dist/bin/glass.js');
const hasPrometheus = spawnSync('prometheus', ['--version']).error === undefined;
const skip = hasPrometheus ? false : 'prometheus is not installed (apt-get install prometheus; .ci/run does it)';
const children: ChildProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'glass-prom-scrape-'));
const schema = uniqueSchema('prom_scrape');

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  await dropSchema(schema, await testPgUrl()).catch(() => {});
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}


function exitOf(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', resolve));
}

async function startGlass(publicKey: string): Promise<{ child: ChildProcess; port: number }> {
  const env: NodeJS.ProcessEnv = { ...process.env, GLASS_DATA_DIR: join(dir, 'couch'), GLASS_TOKEN_PUBLIC_KEY: publicKey, GLASS_TOKEN_SECRET: randomBytes(32).toString('base64url'), GLASS_PG_URL: await testPgUrl(), GLASS_PG_SCHEMA: schema, LOG_LEVEL: 'info' };
  for (const name of ['REDIS_URL', 'COUCHDB_URL', 'DATABASE_URL', 'PORT', 'HOST', 'MEILI_URL', 'TEMPORAL_ADDRESS', 'GLASS_S3_URL']) delete env[name];
  const child = spawn(process.execPath, [GLASS, 'start', '--port', '0', '--workers', '1'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      try {
        const line = JSON.parse(text) as { msg?: string; port?: number };
        if (line.msg === 'listening' && typeof line.port === 'number') resolve(line.port);
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => reject(new Error(`glass start exited (${code}) before listening`)));
  });
  return { child, port };
}

/** The glass_ metrics the dashboards and the runtime rules read. */
function referencedMetrics(): Set<string> {
  const exprs: string[] = [];
  const dashboards = join(ROOT, 'infra/grafana/dashboards');
  for (const f of readdirSync(dashboards).filter((x) => x.endsWith('.json'))) {
    const d = JSON.parse(readFileSync(join(dashboards, f), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    exprs.push(...d.panels.flatMap((p) => p.targets.map((t) => t.expr)));
  }
  const rules = parse(readFileSync(join(ROOT, 'infra/prometheus/rules/glass-runtime.yml'), 'utf8')) as { groups: { rules: { expr: string }[] }[] };
  exprs.push(...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)));
  return new Set(exprs.flatMap((e) => metricsInPromql(e)).filter((m) => m.startsWith('glass_')));
}

interface Vector { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } }

describe('Prometheus scrapes a glass node with the repository\'s configuration', { skip }, () => {
  test('up{job="glass-node"} is 1, glass_ series are stored, /metrics has every metric the dashboards and rules read, and the rules load', async () => {
    const pair = generateTokenKeyPair();
    const { child: glass, port } = await startGlass(publicKeyPem(pair.publicKey));
    const tokenFile = join(dir, 'ops-token');
    writeFileSync(tokenFile, await signAccessToken(pair.privateKey, { player: 'prometheus', character: 'scraper', roles: ['ops'], ttlMs: 3_600_000 }));

    const repo = parse(readFileSync(join(ROOT, 'infra/prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string; authorization: { credentials_file: string }; static_configs: { targets: string[] }[] }[] };
    const job = repo.scrape_configs.find((j) => j.job_name === 'glass-node')!;
    job.authorization.credentials_file = tokenFile;
    job.static_configs = [{ targets: [`127.0.0.1:${port}`] }];
    const config = { global: { scrape_interval: '1s', evaluation_interval: '1s' }, rule_files: [join(ROOT, 'infra/prometheus/rules/*.yml')], scrape_configs: [{ ...job, scrape_interval: '1s' }] };
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));

    const promPort = await freePort();
    const prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(prom);
    let promLog = '';
    prom.stderr!.on('data', (b: Buffer) => (promLog = (promLog + b.toString()).slice(-4000)));
    const api = async (path: string): Promise<Vector> => (await (await fetch(`http://127.0.0.1:${promPort}${path}`)).json()) as Vector;
    const query = (q: string) => api(`/api/v1/query?query=${encodeURIComponent(q)}`);

    try {
      await poll('up{job="glass-node"} == 1', async () => {
        const r = await query('up{job="glass-node"}');
        return r.data.result[0]?.value[1] === '1' ? true : undefined;
      });
      const cpu = await poll('glass_node_cpu_ratio stored', async () => {
        const r = await query('glass_node_cpu_ratio{job="glass-node"}');
        return r.data.result[0];
      });
      assert.ok(cpu.metric.node, 'series carry the node label');

      const names = ((await api('/api/v1/label/__name__/values')) as unknown as { data: string[] }).data.filter((n) => n.startsWith('glass_'));
      const registered = nodeMetricNames();
      assert.deepEqual(names.filter((n) => !registered.has(n)), [], 'every scraped glass_ metric is one infra-facts finds in the source');
      for (const n of ['glass_narrative_turn_seconds_bucket', 'glass_scaling_signal_threshold', 'glass_gm_queue_depth', 'glass_event_loop_delay_seconds']) assert.ok(names.includes(n), `${n} scraped`);

      // The node's own /metrics lists every registered metric (# TYPE), with samples or not yet: each
      // one the dashboards and rules read is there.
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${readFileSync(tokenFile, 'utf8')}` } })).text();
      const exposed = new Set<string>();
      for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        exposed.add(m[1]);
        if (m[2] === 'histogram' || m[2] === 'summary') for (const x of ['_bucket', '_sum', '_count']) exposed.add(m[1] + x);
      }
      assert.deepEqual([...registered].filter((n) => !exposed.has(n)), [], 'every metric the source registers is on /metrics');
      for (const m of referencedMetrics()) assert.ok(exposed.has(m), `${m} (read by a dashboard or rule) is on the node's /metrics`);

      const rules = (await api('/api/v1/rules')) as unknown as { data: { groups: { name: string; rules: { health: string; name: string; lastError?: string }[] }[] } };
      const loaded = rules.data.groups.flatMap((g) => g.rules);
      assert.ok(loaded.length >= 20, `${loaded.length} rules loaded`);
      await poll('every rule evaluated without error', async () => {
        const r = ((await api('/api/v1/rules')) as unknown as typeof rules).data.groups.flatMap((g) => g.rules);
        const bad = r.filter((x) => x.health !== 'ok');
        return bad.length === 0 ? true : undefined;
      }, 20_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nprometheus log:\n${promLog}`, { cause: err });
    } finally {
      prom.kill('SIGTERM');
      glass.kill('SIGTERM');
      assert.equal(await exitOf(glass), 0, 'glass stops cleanly');
      await exitOf(prom);
    }
  });
});
