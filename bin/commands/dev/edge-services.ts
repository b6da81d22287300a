// The topology's programs from the machine's packages: Caddy (required) with the repository's
// infra/caddy/Caddyfile.local, and Prometheus (with --prometheus) on a configuration generated for
// this topology's nodes, with the repository's alert rules; both as supervised services of the edge
// tier (stopped first). Their ports are chosen once: a restart comes back on the same ones.
import { accessSync, constants, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { resolveTokenPrivateKey, signAccessToken } from '../../../clients/index.js';
import { ChildService, childIncarnation } from './child-service.js';
import type { DevSecrets } from './dev-secrets.js';
import { DevError, DevErrors } from './dev-errors.js';
import { probe } from './probes.js';
import type { Until } from './store-services.js';
import type { ServiceDef } from './supervised-service.js';

export const EDGE_TIER = 2;
const EDGE_GRACE_MS = 5_000;

/** The repository's root (from dist/bin/commands/dev/). */
export const REPO_ROOT = new URL('../../../../', import.meta.url).pathname;

/** The program's path: the first executable `name` on PATH (without PATH, Debian's /usr/bin); a DevError if none. */
export function requireBinary(name: 'caddy' | 'prometheus' | 'redis-server' | 'setpriv', env: NodeJS.ProcessEnv, why: string): string {
  const dirs = env.PATH === undefined ? ['/usr/bin'] : env.PATH.split(delimiter).filter((d) => d !== '');
  const candidates = dirs.map((d) => join(d, name));
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      continue;
    }
  }
  throw new DevError(DevErrors.MISSING_BINARY, `${name} is not installed (${why}): apt-get install ${name}`);
}

export interface CaddyStart {
  readonly binary: string;
  readonly dir: string;
  readonly edgePort: number;
  readonly adminPort: number;
  readonly upstreams: readonly number[];
  readonly setpriv: string;
}

/** Caddy in front of the nodes: its state (its own CA, under tls internal) in D/caddy, its output in D/logs/caddy.log. */
export function startCaddy(o: CaddyStart): ChildService {
  const home = join(o.dir, 'caddy');
  mkdirSync(join(home, 'data'), { recursive: true, mode: 0o700 });
  mkdirSync(join(home, 'config'), { recursive: true, mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
    GLASS_EDGE_HOST: '127.0.0.1',
    GLASS_EDGE_PORT: String(o.edgePort),
    GLASS_CADDY_ADMIN: `127.0.0.1:${o.adminPort}`,
    GLASS_UPSTREAMS: o.upstreams.map((p) => `127.0.0.1:${p}`).join(' '),
    GLASS_APP_DIR: appDir(),
  };
  const config = join(REPO_ROOT, 'infra/caddy/Caddyfile.local');
  return new ChildService('caddy', o.binary, ['run', '--config', config, '--adapter', 'caddyfile'], { env, cwd: home, log: join(o.dir, 'logs', 'caddy.log'), setpriv: o.setpriv });
}

/** The web client's bundle that Caddy serves at /app (node clients/web/build.mjs makes it). */
export function appDir(): string {
  return join(REPO_ROOT, 'dist/app');
}

export function appBuilt(): boolean {
  return existsSync(join(appDir(), 'index.html'));
}

export interface PrometheusStart {
  readonly binary: string;
  readonly dir: string;
  readonly port: number;
  readonly nodes: readonly number[];
  readonly secrets: DevSecrets;
  readonly setpriv: string;
}

/**
 * Prometheus scraping the nodes' /metrics every 5 s with an ops token signed by the topology's key
 * (written to D/secrets/ops-token at each start: 30 days, the longest a token lives), the glass-node
 * job of infra/prometheus/prometheus.yml with local targets, and the repository's rules.
 */
export async function startPrometheus(o: PrometheusStart): Promise<ChildService> {
  const { key } = await resolveTokenPrivateKey({ GLASS_TOKEN_PRIVATE_KEY_FILE: o.secrets.tokenPrivateKeyFile });
  const tokenFile = join(o.secrets.dir, 'ops-token');
  writeFileSync(tokenFile, await signAccessToken(key, { player: 'prometheus', character: 'scraper', roles: ['ops'], ttlMs: 30 * 24 * 3_600_000 }), { mode: 0o600 });
  const home = join(o.dir, 'prometheus');
  mkdirSync(join(home, 'data'), { recursive: true });
  // JSON is YAML: no YAML writer needed.
  const config = {
    global: { scrape_interval: '5s', evaluation_interval: '5s' },
    rule_files: [join(REPO_ROOT, 'infra/prometheus/rules/*.yml')],
    scrape_configs: [
      {
        job_name: 'glass-node',
        metrics_path: '/metrics',
        authorization: { type: 'Bearer', credentials_file: tokenFile },
        static_configs: [{ targets: o.nodes.map((p) => `127.0.0.1:${p}`), labels: { tier: 'dev', zone: 'local' } }],
      },
    ],
  };
  const file = join(home, 'prometheus.yml');
  writeFileSync(file, JSON.stringify(config, null, 2) + '\n');
  const args = [`--config.file=${file}`, `--storage.tsdb.path=${join(home, 'data')}`, `--web.listen-address=127.0.0.1:${o.port}`];
  return new ChildService('prometheus', o.binary, args, { env: { PATH: process.env.PATH ?? '', HOME: home }, cwd: home, log: join(o.dir, 'logs', 'prometheus.log'), setpriv: o.setpriv });
}

export interface EdgeReadiness {
  readonly until: Until;
  readonly readyTimeoutMs: number;
}

/** Caddy as a service: ready once /healthz answers 200 through the edge (a node behind it answers). */
export function caddyDef(o: CaddyStart, r: EdgeReadiness): ServiceDef {
  const url = `https://127.0.0.1:${o.edgePort}`;
  return {
    name: 'caddy',
    kind: 'caddy',
    tier: EDGE_TIER,
    graceMs: EDGE_GRACE_MS,
    restartable: true,
    spawn: async () => childIncarnation(startCaddy(o), o.edgePort, url),
    ready: (i) => pollUp(r, 'caddy answering /healthz through the edge', { name: 'caddy', kind: 'caddy', pid: i.pid, port: i.port, url: i.url }, 100),
  };
}

export function prometheusDef(o: PrometheusStart, r: EdgeReadiness): ServiceDef {
  const url = `http://127.0.0.1:${o.port}`;
  return {
    name: 'prometheus',
    kind: 'prometheus',
    tier: EDGE_TIER,
    graceMs: EDGE_GRACE_MS,
    restartable: true,
    spawn: async () => childIncarnation(await startPrometheus(o), o.port, url),
    ready: (i) => pollUp(r, 'prometheus /-/ready', { name: 'prometheus', kind: 'prometheus', pid: i.pid, port: i.port, url: i.url }, 200),
  };
}

async function pollUp(r: EdgeReadiness, what: string, service: Parameters<typeof probe>[0], everyMs: number): Promise<void> {
  await r.until(what, async () => ((await probe(service)).up ? true : undefined), r.readyTimeoutMs, everyMs);
}
