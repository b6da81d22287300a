// infra/stage, infra/prod (Nomad jobs, HCL) and infra/systemd against the node's options: every .hcl
// parses (@cdktf/hcl2json, HashiCorp's HCL parser in WASM), names, ports, checks and environment
// agree with what the node reads, and production is the seed's two-zone footprint. Nomad itself
// (job validation, scheduling) is not run here: see infra/README.md.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { NODE_PORT, ROOT, nodeEnvNames } from './infra-facts.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- hcl2json's output is untyped JSON */
type Json = any;

// Loaded untyped: the package's declarations (its syntax-tree types) pull in globals that change how
// the rest of spec/ type-checks fetch.
const { parse: parseHcl } = createRequire(import.meta.url)('@cdktf/hcl2json') as { parse(file: string, text: string): Promise<Json> };

const TIERS = ['stage', 'prod'] as const;
const REQUIRED = ['PORT', 'HOST', 'GLASS_NODE_ID', 'REDIS_URL', 'COUCHDB_URL', 'GLASS_PG_URL', 'GLASS_S3_URL', 'GLASS_S3_ACCESS_KEY', 'GLASS_S3_SECRET_KEY', 'MEILI_URL', 'MEILI_KEY', 'TEMPORAL_ADDRESS', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'GLASS_TOKEN_PUBLIC_KEY_FILE', 'GLASS_TOKEN_SECRET_FILE', 'GLASS_CLUSTER_KEY_FILE', 'GLASS_AUDIT_KEY_FILE'];

async function hcl(path: string): Promise<Json> {
  return parseHcl(path, readFileSync(join(ROOT, path), 'utf8'));
}

/** The one job of a job file, its one group and task (these files keep to one of each). */
async function job(path: string): Promise<{ name: string; job: Json; group: Json; task: Json }> {
  const parsed = await hcl(path);
  const [name, [j]] = Object.entries(parsed.job as Record<string, Json[]>)[0];
  const [group] = Object.values(j.group as Record<string, Json[]>)[0];
  const [task] = Object.values(group.task as Record<string, Json[]>)[0];
  return { name, job: j, group, task };
}

/** The task's environment: its env block and the NAME= lines of templates rendered with env = true. */
function taskEnv(task: Json): Map<string, string> {
  const env = new Map<string, string>(Object.entries(task.env?.[0] ?? {}));
  for (const t of task.template ?? []) {
    if (t.env !== true) continue;
    for (const m of String(t.data).matchAll(/^\s*([A-Z][A-Z0-9_]*)=(.*)$/gm)) env.set(m[1], m[2]);
  }
  return env;
}

function ports(group: Json): Record<string, { static?: number; to?: number }> {
  return Object.fromEntries(Object.entries(group.network[0].port as Record<string, Json[]>).map(([k, [v]]) => [k, v]));
}

function spreadCounts(group: Json): Record<string, number> {
  const spread = group.spread.find((s: Json) => s.attribute === '${node.datacenter}');
  assert.ok(spread, 'spread on the zone');
  return Object.fromEntries(Object.entries(spread.target as Record<string, Json[]>).map(([zone, [t]]) => [zone, (group.count * t.percent) / 100]));
}

describe('infra/stage and infra/prod Nomad jobs', () => {
  test('every .hcl parses', async () => {
    const files = TIERS.flatMap((t) => readdirSync(join(ROOT, 'infra', t)).filter((f) => f.endsWith('.hcl')).map((f) => `infra/${t}/${f}`));
    assert.ok(files.length >= 5, files.join(', '));
    for (const f of files) await hcl(f);
    await assert.rejects(parseHcl('broken.hcl', 'job "x" {\n  group "g" { count = 1\n}\n'), 'the parser refuses broken HCL');
  });

  for (const tier of TIERS) {
    test(`${tier}: the node job registers glass-node in Consul on 9001 with /healthz and /readyz checks`, async () => {
      const { name, group, task } = await job(`infra/${tier}/glass-node.nomad.hcl`);
      assert.equal(name, 'glass-node');
      const http = ports(group).http;
      assert.deepEqual([http.static, http.to], [NODE_PORT, NODE_PORT]);
      const [service] = group.service;
      assert.deepEqual([service.name, service.port, service.provider], ['glass-node', 'http', 'consul']);
      assert.deepEqual(service.check.map((c: Json) => [c.type, c.path]).sort(), [['http', '/healthz'], ['http', '/readyz']]);
      assert.equal(service.meta[0].zone, '${node.datacenter}', 'the zone reaches Prometheus as service meta');
      assert.deepEqual(task.config[0].args, ['dist/bin/glass.js', 'start']);
      assert.equal(task.kill_signal, 'SIGTERM');
      assert.ok(group.constraint.some((c: Json) => c.operator === 'distinct_hosts'), 'one node per host (static port)');
    });

    test(`${tier}: the node's environment is one the node reads, required settings set, secret files rendered`, async () => {
      const { task } = await job(`infra/${tier}/glass-node.nomad.hcl`);
      const env = taskEnv(task);
      const known = nodeEnvNames();
      assert.deepEqual([...env.keys()].filter((k) => !known.has(k)), [], 'variables the node does not read');
      for (const k of REQUIRED) assert.ok(env.get(k), `${k} is set`);
      assert.equal(env.get('PORT'), String(NODE_PORT));
      const rendered = new Set(task.template.map((t: Json) => `/${t.destination}`));
      for (const [k, v] of env) if (k.endsWith('_FILE')) assert.ok(rendered.has(v), `${k}=${v} is a rendered template`);
      for (const k of ['REDIS_URL', 'COUCHDB_URL', 'GLASS_PG_URL']) {
        assert.match(new URL(env.get(k)!.replace(/\{\{[^}]*\}\}/g, 'x')).hostname, /\.service\.consul$/, `${k} found through Consul`);
      }
      const secretsFrom = tier === 'prod' ? /\{\{ with secret "kv\/data\/glass\/prod" \}\}/ : /\{\{ with nomadVar "nomad\/jobs\/glass-node" \}\}/;
      for (const t of task.template) assert.match(String(t.data), secretsFrom, `${t.destination} from ${tier === 'prod' ? 'Vault' : 'Nomad variables'}`);
    });

    test(`${tier}: the edge job serves 80/443 with the tier's Caddyfile, upstreams from Consul's glass-node`, async (t) => {
      const { name, group, task } = await job(`infra/${tier}/glass-edge.nomad.hcl`);
      assert.equal(name, 'glass-edge');
      const p = ports(group);
      assert.deepEqual([p.http.static, p.https.static], [80, 443]);
      const caddyfile = task.template.find((x: Json) => x.destination === 'local/Caddyfile');
      assert.equal(caddyfile.data, `\${file("../caddy/Caddyfile.${tier}")}`);
      assert.ok(task.config[0].args.includes('/local/Caddyfile'));
      assert.match(taskEnv(task).get('GLASS_UPSTREAMS')!, /range service "glass-node"/);
      assert.equal(taskEnv(task).has('ACME_EMAIL'), tier === 'prod', 'ACME in production only');
      if (!existsSync(join(ROOT, `infra/caddy/Caddyfile.${tier}`))) t.diagnostic(`infra/caddy/Caddyfile.${tier} is not on this branch yet (the edge branch writes it)`);
    });
  }

  test('prod: two zones, node and edge counts per zone as footprint.hcl writes them down, Vault for secrets', async () => {
    const footprint = (await hcl('infra/prod/footprint.hcl')).zone as Record<string, Json[]>;
    const zones = Object.keys(footprint).sort();
    assert.deepEqual(zones, ['fsn1', 'nbg1']);
    const nodes = await job('infra/prod/glass-node.nomad.hcl');
    const edge = await job('infra/prod/glass-edge.nomad.hcl');
    for (const j of [nodes, edge]) assert.deepEqual([...j.job.datacenters].sort(), zones);
    assert.deepEqual(spreadCounts(nodes.group), Object.fromEntries(zones.map((z) => [z, footprint[z][0].glass_node])));
    assert.deepEqual(spreadCounts(edge.group), Object.fromEntries(zones.map((z) => [z, footprint[z][0].edge])));
    assert.ok(nodes.group.constraint.some((c: Json) => c.attribute === '${meta.role}' && c.value === 'app'), 'nodes only on application VMs');
    assert.deepEqual(nodes.group.vault[0].policies, ['glass-node']);
    assert.ok(taskEnv(nodes.task).get('REDIS_URL')!.startsWith('rediss://') && taskEnv(nodes.task).has('GLASS_REDIS_CA_FILE'), 'TLS to Redis');
  });
});

/** INI-like sections of a systemd unit: section → key → values (keys repeat). */
function unit(path: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const [i, raw] of readFileSync(join(ROOT, path), 'utf8').split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[([A-Za-z]+)\]$/.exec(line);
    if (section) sections.set(section[1], (current = new Map()));
    else {
      const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
      assert.ok(kv && current, `${path}:${i + 1}: not a key=value line in a section: ${line}`);
      current.set(kv[1], [...(current.get(kv[1]) ?? []), kv[2]]);
    }
  }
  return sections;
}

describe('infra/systemd units', () => {
  test('glass-node@.service runs glass start with its environment files, credentials and hardening', () => {
    const u = unit('infra/systemd/glass-node@.service');
    assert.deepEqual([...u.keys()], ['Unit', 'Service', 'Install']);
    const s = u.get('Service')!;
    assert.match(s.get('ExecStart')![0], /^\/usr\/bin\/node \S+\/dist\/bin\/glass\.js start$/);
    assert.ok(s.get('EnvironmentFile')!.length >= 1);
    assert.equal(s.get('KillSignal')![0], 'SIGTERM');
    for (const [k, v] of [['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['ProtectHome', 'yes'], ['PrivateTmp', 'yes'], ['CapabilityBoundingSet', ''], ['RestrictNamespaces', 'yes']]) assert.equal(s.get(k)?.[0], v, k);
    assert.equal(s.get('MemoryDenyWriteExecute'), undefined, 'V8 needs W+X memory');
    const known = nodeEnvNames();
    const env = s.get('Environment')!.map((e) => e.split('=')[0]);
    assert.deepEqual(env.filter((k) => !known.has(k)), []);
    const creds = new Set(s.get('LoadCredential')!.map((c) => c.split(':')[0]));
    for (const e of s.get('Environment')!.filter((x) => x.includes('%d/'))) assert.ok(creds.has(e.split('%d/')[1]), `${e} is a loaded credential`);
    assert.equal(u.get('Install')!.get('WantedBy')![0], 'multi-user.target');
  });

  test('glass.env.example sets only variables the node reads, on port 9001', () => {
    const known = nodeEnvNames();
    const lines = readFileSync(join(ROOT, 'infra/systemd/glass.env.example'), 'utf8').split('\n').filter((l) => /^[A-Z]/.test(l));
    const env = new Map(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    assert.deepEqual([...env.keys()].filter((k) => !known.has(k)), []);
    assert.equal(env.get('PORT'), String(NODE_PORT));
  });

  test('glass-edge.service runs Caddy with only the capability to bind 80/443', () => {
    const s = unit('infra/systemd/glass-edge.service').get('Service')!;
    assert.match(s.get('ExecStart')![0], /caddy run .*--config \/etc\/caddy\/Caddyfile/);
    assert.equal(s.get('AmbientCapabilities')![0], 'CAP_NET_BIND_SERVICE');
    assert.equal(s.get('CapabilityBoundingSet')![0], 'CAP_NET_BIND_SERVICE');
    assert.equal(s.get('NoNewPrivileges')![0], 'yes');
  });

  test('systemd-analyze verify finds nothing to say about the units', (t) => {
    if (spawnSync('systemd-analyze', ['--version']).error !== undefined) return t.skip('systemd-analyze is not installed');
    const dir = mkdtempSync(join(tmpdir(), 'glass-units-'));
    try {
      copyFileSync(join(ROOT, 'infra/systemd/glass-node@.service'), join(dir, 'glass-node@n1.service'));
      copyFileSync(join(ROOT, 'infra/systemd/glass-edge.service'), join(dir, 'glass-edge.service'));
      const r = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'glass-node@n1.service'), join(dir, 'glass-edge.service')], { encoding: 'utf8', timeout: 30_000 });
      const said = (r.stderr + r.stdout).split('\n').filter((l) => l.includes(dir));
      assert.deepEqual(said, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
