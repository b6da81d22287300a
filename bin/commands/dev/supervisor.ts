// glass dev up (foreground): the supervisor of the local topology, like `docker compose up`. It starts
// Redis, the stores (the embedded CouchDB-protocol server and PostgreSQL), N `glass start` nodes on one
// cluster, Caddy in front of them and, with --prometheus, Prometheus; writes D/topology.json once every
// one answers; and on SIGINT/SIGTERM stops them in reverse order and removes the file. A service that
// dies afterwards is reported and left dead (a node killed under its players is a case to watch, not
// to hide): `glass dev status` shows it.
// The process helpers come from bench/ and are loaded only when this runs: bench is not part of a
// serving node.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { embeddedCouchSecret, EmbeddedPostgres, pgUrlFromEnv, startEmbeddedCouch } from '../../../cluster/index.js';
import type { ChildService } from './child-service.js';
import { ensureDevSecrets, secretsEnv } from './dev-secrets.js';
import { DevError, DevErrors } from './dev-errors.js';
import { appBuilt, requireBinary, startCaddy, startPrometheus } from './edge-services.js';
import { followNodeLog } from './node-logs.js';
import { httpGet } from './probes.js';
import { pidAlive, readState, removeState, writeState, type DevService, type DevTopology } from './state-file.js';
import { describeTopology } from './topology-table.js';

export interface UpOptions {
  readonly dir: string;
  readonly nodes: number;
  readonly workers: number;
  /** 0: a free port. */
  readonly edgePort: number;
  readonly prometheus: boolean;
}

/** How long one service may take to become ready. */
const READY_TIMEOUT_MS = 90_000;
/** Long enough that no room is passivated while someone plays. */
const IDLE_AFTER_MS = '3600000';

/** What was started, in order: stopped from the last. */
interface Started {
  readonly name: string;
  stop(): Promise<void>;
}

/** Refuses a directory whose supervisor still runs; removes a stale state file. */
export function claimDir(dir: string): void {
  const previous = readState(dir);
  if (previous === null) return;
  if (pidAlive(previous.supervisor) && previous.supervisor !== process.pid) {
    throw new DevError(DevErrors.ALREADY_RUNNING, `a topology already runs on ${dir} (supervisor ${previous.supervisor}): glass dev down --dir ${dir}`);
  }
  removeState(dir);
}

export async function runSupervisor(o: UpOptions, env: NodeJS.ProcessEnv, out: (text: string) => void): Promise<number> {
  const caddyBinary = requireBinary('caddy', env, 'the topology\'s edge');
  const prometheusBinary = o.prometheus ? requireBinary('prometheus', env, 'asked for by --prometheus') : null;
  if ((env.REDIS_URL ?? '') === '') requireBinary('redis-server', env, 'the cluster\'s Redis, unless REDIS_URL names one');
  claimDir(o.dir);
  mkdirSync(join(o.dir, 'logs'), { recursive: true });
  const { GlassProcess } = await import('../../../bench/faults/support/glass-process.js');
  const { until } = await import('../../../bench/faults/support/wait.js');
  const { OwnRedisServer, freePort } = await import('../../../bench/support/redis-server.js');

  const started: Started[] = [];
  const services: DevService[] = [];
  let stopping: Promise<void> | null = null;
  let signalled: (() => void) | null = null;
  const signal = new Promise<void>((resolve) => (signalled = resolve));
  let signals = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    if (++signals > 1) {
      // A second signal: the operator does not want to wait (the exit hooks SIGKILL the nodes and Redis).
      out(`${name} again: exiting without waiting\n`);
      removeState(o.dir);
      process.exit(1);
    }
    out(`${name}: stopping the topology\n`);
    signalled?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stopAll = (): Promise<void> =>
    (stopping ??= (async () => {
      removeState(o.dir);
      for (const s of [...started].reverse()) {
        await s.stop().catch((err: unknown) => out(`stopping ${s.name} failed: ${err instanceof Error ? err.message : String(err)}\n`));
        out(`stopped ${s.name}\n`);
      }
    })());
  /** Records what `starting` starts, to be stopped; if the teardown has begun meanwhile, stops it at once. */
  const track = <T>(name: string, starting: Promise<T>, stop: (service: T) => Promise<void>): Promise<T> =>
    starting.then((service) => {
      started.push({ name, stop: () => stop(service) });
      if (stopping !== null) void stop(service).catch(() => {});
      return service;
    });
  /** Resolves with `ready`, or throws as soon as the supervisor is signalled or `exited` settles first. */
  const orBail = async <T>(what: string, ready: Promise<T>, exited?: Promise<unknown>, tail?: () => string): Promise<T> => {
    const bail = new Promise<never>((_, reject) => {
      void signal.then(() => reject(new DevError(DevErrors.START_FAILED, `interrupted while starting (${what})`)));
      void exited?.then(() => reject(new DevError(DevErrors.START_FAILED, `${what} exited while starting${tail === undefined ? '' : `\n${tail()}`}`)));
    });
    const t0 = performance.now();
    const value = await Promise.race([ready, bail]);
    out(`${what}: ready in ${Math.round(performance.now() - t0)} ms\n`);
    return value;
  };

  try {
    const startedAt = new Date().toISOString();
    const secrets = ensureDevSecrets(o.dir);
    const cluster = `dev-${randomBytes(3).toString('hex')}`;
    // Redis and the stores, at once.
    const redisUrl = env.REDIS_URL ?? '';
    const couchUrl = env.COUCHDB_URL ?? '';
    const pgUrl = pgUrlFromEnv(env);
    const [redis, couch, pg] = await orBail(
      'redis and the stores',
      Promise.all([
        redisUrl === '' ? track('redis', OwnRedisServer.start(), (r) => r.dispose()) : null,
        couchUrl === '' ? track('couch', startEmbeddedCouch({ dataDir: join(o.dir, 'couch'), secret: embeddedCouchSecret() }), (c) => c.close()) : null,
        pgUrl === undefined ? track('postgres', EmbeddedPostgres.start({ dataDir: join(o.dir, 'pg') }), (p) => p.stop()) : null,
      ]),
    );
    services.push(outside('redis', redis === null ? redisUrl : redis.url, redis?.pid ?? 0));
    services.push(couch === null ? outside('couch', couchUrl, 0) : { name: 'couch', kind: 'couch', pid: couch.pid, port: couch.port, url: couch.safeUrl });
    services.push(pg === null ? outside('postgres', pgUrl!, 0) : { name: 'postgres', kind: 'postgres', pid: process.pid, port: pg.port, url: pg.safeUrl });
    // PGlite opens in the background (a first start runs initdb) while the nodes start: their connections wait for it.
    const pgReady = pg === null ? Promise.resolve() : orBail('the embedded PostgreSQL', pg.ready);
    pgReady.catch(() => {});

    // The nodes, on one cluster, trusting Caddy's X-Forwarded-For.
    const nodeEnv: Record<string, string> = {
      ...secretsEnv(secrets),
      REDIS_URL: redis?.url ?? redisUrl,
      COUCHDB_URL: couch?.url ?? couchUrl,
      GLASS_PG_URL: pg?.url ?? pgUrl!,
      ...(pg === null && (env.GLASS_PG_SCHEMA ?? '') !== '' && { GLASS_PG_SCHEMA: env.GLASS_PG_SCHEMA! }),
      GLASS_OBJECTS_DIR: join(o.dir, 'objects'),
      GLASS_TRUSTED_PROXIES: '127.0.0.1',
    };
    const ids = Array.from({ length: o.nodes }, (_, i) => `node-${i}`);
    for (const id of ids) mkdirSync(join(o.dir, id), { recursive: true });
    const nodes = await orBail(
      'the nodes',
      Promise.all(ids.map((id) => track(id, GlassProcess.start(id, nodeEnv, { workers: o.workers, dir: join(o.dir, id), args: ['--cluster', cluster, '--idle-ms', IDLE_AFTER_MS] }), (n) => n.stop(10_000, true)))),
    );
    await pgReady;
    const anyNodeExit = Promise.race(nodes.map((n) => n.exited));
    await orBail('the nodes joining one cluster', Promise.all(nodes.map((n) => n.waitForLog((e) => Array.isArray(e.members) && ids.every((i) => (e.members as string[]).includes(i)), READY_TIMEOUT_MS))));
    await orBail('the nodes\' /readyz', Promise.all(nodes.map((n) => until(`${n.name} /readyz`, async () => ((await httpGet(`${n.http}/readyz`))?.status === 200 ? true : undefined), READY_TIMEOUT_MS, 100))), anyNodeExit);
    for (const n of nodes) {
      const log = join(o.dir, 'logs', `${n.name}.log`);
      followNodeLog(n, log);
      services.push({ name: n.name, kind: 'node', pid: n.pid, port: n.port, url: n.http, log });
      void n.exited.then(({ code, signal: s }) => {
        if (stopping === null) out(`${n.name} (pid ${n.pid}) exited (code ${code}, signal ${s}); the topology goes on without it\n`);
      });
    }

    // The edge.
    const edgePort = o.edgePort === 0 ? await freePort() : o.edgePort;
    const caddy = await track('caddy', Promise.resolve(startCaddy({ binary: caddyBinary, dir: o.dir, edgePort, adminPort: await freePort(), upstreams: nodes.map((n) => n.port) })), (c) => c.stop());
    const edge = `https://127.0.0.1:${edgePort}`;
    await orBail('caddy', until('caddy answering /healthz through the edge', async () => ((await httpGet(`${edge}/healthz`))?.status === 200 ? true : undefined), READY_TIMEOUT_MS, 100), caddy.exited, () => caddy.tail());
    services.push({ name: 'caddy', kind: 'caddy', pid: caddy.pid, port: edgePort, url: edge, log: caddy.log });
    watch(caddy, () => stopping, out);
    if (!appBuilt()) out('warning: dist/app is not built (node clients/web/build.mjs): Caddy\'s /app answers 404\n');

    if (prometheusBinary !== null) {
      const port = await freePort();
      const prometheus = await track('prometheus', startPrometheus({ binary: prometheusBinary, dir: o.dir, port, nodes: nodes.map((n) => n.port), secrets }), (p) => p.stop());
      const url = `http://127.0.0.1:${port}`;
      await orBail('prometheus', until('prometheus /-/ready', async () => ((await httpGet(`${url}/-/ready`))?.status === 200 ? true : undefined), READY_TIMEOUT_MS, 200), prometheus.exited, () => prometheus.tail());
      services.push({ name: 'prometheus', kind: 'prometheus', pid: prometheus.pid, port, url, log: prometheus.log });
      watch(prometheus, () => stopping, out);
    }

    const state: DevTopology = {
      version: 1,
      dir: o.dir,
      supervisor: process.pid,
      startedAt,
      readyAt: new Date().toISOString(),
      cluster,
      edge: { port: edgePort, app: `${edge}/app/`, ws: `wss://127.0.0.1:${edgePort}/ws` },
      services,
      env: { GLASS_TOKEN_PRIVATE_KEY_FILE: secrets.tokenPrivateKeyFile, GLASS_TOKEN_PUBLIC_KEY_FILE: secrets.tokenPublicKeyFile, GLASS_URL: nodes[0].http },
    };
    if (stopping === null) {
      writeState(o.dir, state);
      out(describeTopology(state));
      out('ready; Ctrl-C (or glass dev down) stops everything\n');
    }
    await signal;
    await stopAll();
    return 0;
  } catch (err) {
    await stopAll();
    if (err instanceof DevError) throw err;
    throw new DevError(DevErrors.START_FAILED, err instanceof Error ? err.message : String(err), { cause: err });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** A service given from outside (REDIS_URL, COUCHDB_URL, GLASS_PG_URL): not ours to stop; its URL without credentials. */
function outside(kind: 'redis' | 'couch' | 'postgres', raw: string, pid: number): DevService {
  const u = new URL(raw);
  const port = Number(u.port) || { redis: 6379, couch: 5984, postgres: 5432 }[kind];
  return { name: kind, kind, pid, port, url: `${u.protocol}//${u.hostname}:${port}${kind === 'couch' ? '' : u.pathname}` };
}

function watch(service: ChildService, stopping: () => unknown, out: (text: string) => void): void {
  void service.exited.then(({ code, signal }) => {
    if (stopping() === null) out(`${service.name} (pid ${service.pid}) exited (code ${code}, signal ${signal}); see ${service.log}\n`);
  });
}
