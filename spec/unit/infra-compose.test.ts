// infra/local/compose.yaml against the node's configuration: no Docker engine runs here, so the file
// is parsed and every setting the node, Prometheus and Caddy depend on is checked for agreement.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { NODE_PORT, ROOT, nodeEnvNames } from './infra-facts.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  secrets?: string[];
  healthcheck?: { test: string[] };
  networks?: Record<string, { ipv4_address?: string }>;
}
interface Compose {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
  networks: { default: { ipam: { config: { subnet: string }[] } } };
}

const LOCAL = join(ROOT, 'infra/local');
const compose = parse(readFileSync(join(LOCAL, 'compose.yaml'), 'utf8'), { merge: true }) as Compose;
const services = compose.services;
const nodes = Object.entries(services).filter(([, s]) => s.command?.join(' ') === 'node dist/bin/glass.js start');

/** Where each backing service listens inside the compose network. */
const LISTENS: Record<string, number> = { redis: 6379, postgres: 5432, couchdb: 5984, minio: 9000, meilisearch: 7700, temporal: 7233, 'otel-collector': 4318 };
const REQUIRED = ['PORT', 'HOST', 'GLASS_NODE_ID', 'REDIS_URL', 'COUCHDB_URL', 'GLASS_PG_URL', 'GLASS_S3_URL', 'GLASS_S3_ACCESS_KEY', 'GLASS_S3_SECRET_KEY', 'MEILI_URL', 'MEILI_KEY', 'TEMPORAL_ADDRESS', 'OTEL_EXPORTER_OTLP_ENDPOINT'];
/** Secrets the node takes as a file or a value: one of the two must be set. */
const SECRETS = ['GLASS_TOKEN_PUBLIC_KEY', 'GLASS_TOKEN_SECRET', 'GLASS_CLUSTER_KEY', 'GLASS_AUDIT_KEY'];

/** The volume's host side resolved from infra/local, for a bind mount (`../x:/y` or `./x:/y`). */
function bindSource(volume: string): string | null {
  const host = volume.split(':')[0];
  return host.startsWith('.') ? join(LOCAL, host) : null;
}

describe('infra/local/compose.yaml', () => {
  test('has every service of the seed\'s local tier, and two glass nodes built from the repository', () => {
    for (const name of ['redis', 'postgres', 'couchdb', 'minio', 'meilisearch', 'temporal', 'otel-collector', 'prometheus', 'grafana', 'caddy']) assert.ok(services[name], `service ${name}`);
    assert.deepEqual(nodes.map(([n]) => n), ['node-1', 'node-2']);
    for (const [name, s] of nodes) {
      assert.equal(s.build?.context, '../..', name);
      assert.ok(existsSync(join(LOCAL, '../..', s.build!.dockerfile)), `${name}: ${s.build!.dockerfile}`);
    }
  });

  test('every variable set on a node is one the node reads, and the required ones are set', () => {
    const known = nodeEnvNames();
    for (const [name, s] of nodes) {
      const env = s.environment ?? {};
      const unknown = Object.keys(env).filter((k) => !known.has(k));
      assert.deepEqual(unknown, [], `${name} sets variables the node does not read`);
      for (const k of REQUIRED) assert.ok(env[k] !== undefined && env[k] !== '', `${name}: ${k}`);
      for (const k of SECRETS) assert.ok(env[k] !== undefined || env[`${k}_FILE`] !== undefined, `${name}: ${k} or ${k}_FILE`);
      assert.equal(env.PORT, String(NODE_PORT));
      assert.equal(env.HOST, '0.0.0.0', `${name} listens on the container network`);
    }
    assert.notEqual(nodes[0][1].environment!.GLASS_NODE_ID, nodes[1][1].environment!.GLASS_NODE_ID);
  });

  test('secret files are mounted secrets of the service, declared at the top level', () => {
    for (const [name, s] of nodes) {
      for (const [k, v] of Object.entries(s.environment ?? {}).filter(([k]) => SECRETS.some((x) => k === `${x}_FILE`))) {
        const m = /^\/run\/secrets\/(.+)$/.exec(v);
        assert.ok(m, `${name}: ${k}=${v} is a compose secret`);
        assert.ok(s.secrets?.includes(m[1]), `${name} mounts secret ${m[1]}`);
        assert.ok(compose.secrets[m[1]]?.file, `secret ${m[1]} is declared`);
      }
    }
  });

  test('service URLs name compose services on the ports they listen on, with their credentials', () => {
    const env = nodes[0][1].environment!;
    const url = (k: string): URL => new URL(env[k]);
    const target = (k: string, host: string, port: number): void => {
      const u = k === 'TEMPORAL_ADDRESS' ? new URL(`grpc://${env[k]}`) : url(k);
      assert.equal(u.hostname, host, k);
      assert.ok(services[u.hostname], `${k}: ${u.hostname} is a service`);
      assert.equal(Number(u.port), port, `${k}: ${host} listens on ${port}`);
    };
    target('REDIS_URL', 'redis', LISTENS.redis);
    target('COUCHDB_URL', 'couchdb', LISTENS.couchdb);
    target('GLASS_PG_URL', 'postgres', LISTENS.postgres);
    target('GLASS_S3_URL', 'minio', LISTENS.minio);
    target('MEILI_URL', 'meilisearch', LISTENS.meilisearch);
    target('TEMPORAL_ADDRESS', 'temporal', LISTENS.temporal);
    target('OTEL_EXPORTER_OTLP_ENDPOINT', 'otel-collector', LISTENS['otel-collector']);

    const pg = services.postgres.environment!;
    assert.deepEqual([url('GLASS_PG_URL').username, url('GLASS_PG_URL').password, url('GLASS_PG_URL').pathname], [pg.POSTGRES_USER, pg.POSTGRES_PASSWORD, `/${pg.POSTGRES_DB}`]);
    const couch = services.couchdb.environment!;
    assert.deepEqual([url('COUCHDB_URL').username, url('COUCHDB_URL').password], [couch.COUCHDB_USER, couch.COUCHDB_PASSWORD]);
    const minio = services.minio.environment!;
    assert.deepEqual([env.GLASS_S3_ACCESS_KEY, env.GLASS_S3_SECRET_KEY], [minio.MINIO_ROOT_USER, minio.MINIO_ROOT_PASSWORD]);
    assert.equal(env.MEILI_KEY, services.meilisearch.environment!.MEILI_MASTER_KEY);
    const redis = services.redis.command!;
    assert.equal(url('REDIS_URL').password, redis[redis.indexOf('--requirepass') + 1]);
  });

  test('node ports: each node publishes 9001 and its health check asks /readyz there', () => {
    for (const [name, s] of nodes) {
      assert.ok(s.ports?.some((p) => p.endsWith(`:${NODE_PORT}`)), `${name} publishes container port ${NODE_PORT}`);
      const check = s.healthcheck!.test.join(' ');
      assert.match(check, new RegExp(`127\\.0\\.0\\.1:${NODE_PORT}/readyz`), name);
    }
  });

  test('Prometheus scrapes both nodes on 9001 with the ops token it mounts, and loads the rules it mounts', () => {
    const p = services.prometheus;
    const configMount = p.volumes!.find((v) => v.endsWith(':/etc/prometheus/prometheus.yml:ro'))!;
    const config = parse(readFileSync(bindSource(configMount)!, 'utf8')) as { rule_files: string[]; scrape_configs: { job_name: string; authorization?: { credentials_file: string }; static_configs?: { targets: string[] }[] }[] };
    const job = config.scrape_configs.find((j) => j.job_name === 'glass-node')!;
    assert.deepEqual(job.static_configs!.flatMap((c) => c.targets).sort(), nodes.map(([n]) => `${n}:${NODE_PORT}`).sort());
    const token = /^\/run\/secrets\/(.+)$/.exec(job.authorization!.credentials_file)!;
    assert.ok(p.secrets?.includes(token[1]) && compose.secrets[token[1]], 'the ops token is a mounted secret');
    assert.ok(p.volumes!.some((v) => v.split(':')[1] === '/etc/prometheus/rules'), 'rules mounted');
    assert.ok(config.rule_files.every((f) => f.startsWith('/etc/prometheus/rules/')));
    const collector = config.scrape_configs.find((j) => j.job_name === 'otel-collector')!;
    assert.equal(collector.static_configs![0].targets[0].split(':')[0], 'otel-collector');
  });

  test('Caddy is the trusted proxy: its fixed address is in GLASS_TRUSTED_PROXIES and in the network\'s subnet', () => {
    const ip = services.caddy.networks!.default.ipv4_address!;
    for (const [name, s] of nodes) assert.deepEqual(s.environment!.GLASS_TRUSTED_PROXIES.split(',').map((a) => a.trim()), [ip], name);
    const [base] = compose.networks.default.ipam.config[0].subnet.split('/');
    assert.equal(ip.split('.').slice(0, 3).join('.'), base.split('.').slice(0, 3).join('.'));
    assert.deepEqual(services.caddy.ports!.map((p) => p.split(':').at(-1)).sort(), ['443', '80']);
    assert.deepEqual(services.caddy.environment!.GLASS_UPSTREAMS.split(' ').sort(), nodes.map(([n]) => `${n}:${NODE_PORT}`).sort(), 'GLASS_UPSTREAMS names the nodes');
  });

  test('every bind-mounted file of infra/ exists (Caddyfile.local comes from the edge branch; secrets are made by hand)', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const src = bindSource(v);
        if (src === null || src.endsWith('Caddyfile.local')) continue;
        assert.ok(existsSync(src), `${name}: ${v}`);
      }
    }
  });

  test('Caddyfile.local, when present, proxies to the compose nodes on 9001', (t) => {
    const mount = services.caddy.volumes!.find((v) => v.includes('Caddyfile.local'))!;
    const file = bindSource(mount)!;
    if (!existsSync(file)) return t.skip(`${file} is not on this branch yet (the edge branch writes it)`);
    // Placeholders {$VAR} are Caddy's environment: resolved from the caddy service's.
    const caddyEnv = services.caddy.environment ?? {};
    // With the files it imports from its folder (routes.caddy), as Caddy reads them.
    const source = readFileSync(file, 'utf8');
    const imported = [...source.matchAll(/^\s*import\s+(\S+\.caddy)\s*$/gm)].map((m) => readFileSync(join(dirname(file), m[1]), 'utf8'));
    const text = [source, ...imported].join('\n').replace(/\{\$([A-Z0-9_]+)\}/g, (_, v: string) => caddyEnv[v] ?? `{$${v}}`);
    const upstreams = [...text.matchAll(/^\s*(?:reverse_proxy|to)\b([^\n{]*)/gm)].flatMap((m) => m[1].trim().split(/\s+/)).filter((u) => /:\d+$/.test(u));
    assert.ok(upstreams.length > 0, 'reverse_proxy upstreams');
    const nodeNames = new Set(nodes.map(([n]) => n));
    for (const u of upstreams) {
      const [host, port] = u.replace(/^\w+:\/\//, '').split(':');
      if (nodeNames.has(host)) assert.equal(Number(port), NODE_PORT, u);
    }
    for (const n of nodeNames) assert.ok(upstreams.some((u) => u.replace(/^\w+:\/\//, '') === `${n}:${NODE_PORT}`), `${n}:${NODE_PORT} is an upstream`);
  });
});
