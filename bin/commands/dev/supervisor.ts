// glass dev up (foreground): the supervisor of the local topology, like `docker compose up`. It starts
// Redis, the stores (the embedded CouchDB-protocol server and PostgreSQL), N `glass start` nodes on one
// cluster, Caddy in front of them and, with --prometheus, Prometheus; writes D/topology.json once every
// one answers. Each program runs in a process group of its own, tied to the supervisor's life
// (tether.ts), so a terminal's Ctrl-C reaches the supervisor alone: on SIGINT/SIGTERM it stops them in
// reverse dependency order (the edge, then the nodes, then the stores; each with a grace period, then
// SIGKILL) and removes the file. A service that dies meanwhile is restarted with backoff, up to its
// restart limit (supervised-service.ts); topology.json follows its pid, restarts and state. Every
// step is recorded in D/logs/events.jsonl (dev-events.ts).
// The process helpers come from bench/ and are loaded only when this runs: bench is not part of a
// serving node.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { embeddedCouchSecret, pgUrlFromEnv } from '../../../cluster/index.js';
import { ensureDevSecrets, secretsEnv } from './dev-secrets.js';
import { DevError, DevErrors } from './dev-errors.js';
import { eventRecorder } from './dev-events.js';
import { nodeDef } from './dev-node.js';
import { appBuilt, caddyDef, prometheusDef, requireBinary } from './edge-services.js';
import type { RestartLimit } from './restart-intensity.js';
import { pidAlive, readState, removeState, writeState, type DevService, type DevTopology } from './state-file.js';
import { couchDef, postgresDef, redisDef } from './store-services.js';
import { SupervisedService, type ServiceDef } from './supervised-service.js';
import { describeTopology } from './topology-table.js';

export interface UpOptions {
  readonly dir: string;
  readonly nodes: number;
  readonly workers: number;
  /** 0: a free port. */
  readonly edgePort: number;
  readonly prometheus: boolean;
  readonly restartLimit: RestartLimit;
}

/** How long one service may take to become ready. */
const READY_TIMEOUT_MS = 90_000;
/** Long enough that no room is passivated while someone plays. */
const IDLE_AFTER_MS = '3600000';

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
  const redisUrl = env.REDIS_URL ?? '';
  const redisBinary = redisUrl === '' ? requireBinary('redis-server', env, 'the cluster\'s Redis, unless REDIS_URL names one') : null;
  const setpriv = requireBinary('setpriv', env, 'util-linux\'s, ties each service to the supervisor\'s life');
  claimDir(o.dir);
  mkdirSync(join(o.dir, 'logs'), { recursive: true });
  const { until } = await import('../../../bench/faults/support/wait.js');
  const { freePort } = await import('../../../bench/support/redis-server.js');
  const { glassCliPath } = await import('../../../bench/load/targets/glass-cli.js');
  const { suiteEnv } = await import('../../../bench/faults/support/glass-process.js');

  const record = eventRecorder(o.dir, out);
  /** Every service, in the order topology.json lists them; `outside` ones are given by the environment. */
  const entries: ({ outside: DevService } | { supervised: SupervisedService })[] = [];
  let ready: Omit<DevTopology, 'services'> | null = null;
  let stopping: Promise<void> | null = null;
  const services = (): DevService[] => entries.map((e) => ('outside' in e ? e.outside : entryOf(e.supervised)));
  const hooks = {
    limit: o.restartLimit,
    record,
    changed: (): void => {
      if (ready !== null && stopping === null) writeState(o.dir, { ...ready, services: services() });
    },
  };
  const supervise = (def: ServiceDef): SupervisedService => {
    const s = new SupervisedService(def, hooks);
    entries.push({ supervised: s });
    return s;
  };

  let signalled: (() => void) | null = null;
  const signal = new Promise<void>((resolve) => (signalled = resolve));
  let signals = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    if (++signals > 1) {
      // A second signal: the operator does not want to wait (the kernel SIGKILLs every tethered service).
      out(`${name} again: exiting without waiting\n`);
      removeState(o.dir);
      process.exit(1);
    }
    out(`${name}: stopping the topology\n`);
    signalled?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  /** The highest tier first (the edge, the nodes, the stores), each tier's services together. */
  const stopAll = (): Promise<void> =>
    (stopping ??= (async () => {
      removeState(o.dir);
      const all = entries.flatMap((e) => ('supervised' in e ? [e.supervised] : []));
      const tiers = [...new Set(all.map((s) => s.def.tier))].sort((a, b) => b - a);
      for (const tier of tiers) {
        await Promise.all(
          all.filter((s) => s.def.tier === tier).map((s) => s.stop().catch((err: unknown) => out(`stopping ${s.name} failed: ${err instanceof Error ? err.message : String(err)}\n`))),
        );
      }
    })());
  /** Resolves with `starting`, or throws as soon as the supervisor is signalled. */
  const orBail = async <T>(what: string, starting: Promise<T>): Promise<T> => {
    const bail = signal.then(() => Promise.reject(new DevError(DevErrors.START_FAILED, `interrupted while starting (${what})`)));
    bail.catch(() => {});
    const t0 = performance.now();
    const value = await Promise.race([starting, bail]);
    out(`${what}: ready in ${Math.round(performance.now() - t0)} ms\n`);
    return value;
  };

  try {
    const startedAt = new Date().toISOString();
    const secrets = ensureDevSecrets(o.dir);
    const cluster = `dev-${randomBytes(3).toString('hex')}`;
    const store = { dir: o.dir, setpriv, until, readyTimeoutMs: READY_TIMEOUT_MS };
    // Redis and the stores, at once.
    const couchUrl = env.COUCHDB_URL ?? '';
    const pgUrl = pgUrlFromEnv(env);
    const redis = redisBinary === null ? null : supervise(redisDef(store, redisBinary, await freePort()));
    if (redis === null) entries.push({ outside: outside('redis', redisUrl) });
    const couch = couchUrl === '' ? couchDef(store, embeddedCouchSecret()) : null;
    if (couch === null) entries.push({ outside: outside('couch', couchUrl) });
    const couchService = couch === null ? null : supervise(couch);
    const pg = pgUrl === undefined ? postgresDef(store) : null;
    if (pg === null) entries.push({ outside: outside('postgres', pgUrl!) });
    const pgService = pg === null ? null : supervise(pg);
    await orBail('redis and the stores', Promise.all([redis?.start(), couchService?.start(), pgService?.launch()]));
    // PGlite opens in the background (a first start runs initdb) while the nodes start: their connections wait for it.
    const pgReady = pgService === null ? Promise.resolve() : orBail('the embedded PostgreSQL', pgService.becomeReady());
    pgReady.catch(() => {});

    // The nodes, on one cluster, trusting Caddy's X-Forwarded-For; each on a port of its own for good.
    const nodeEnv = suiteEnv({
      ...secretsEnv(secrets),
      REDIS_URL: redis?.current?.url ?? redisUrl,
      COUCHDB_URL: couch?.url() ?? couchUrl,
      GLASS_PG_URL: pg?.started()?.url ?? pgUrl!,
      ...(pg === null && (env.GLASS_PG_SCHEMA ?? '') !== '' && { GLASS_PG_SCHEMA: env.GLASS_PG_SCHEMA! }),
      GLASS_OBJECTS_DIR: join(o.dir, 'objects'),
      GLASS_TRUSTED_PROXIES: '127.0.0.1',
    });
    const ids = Array.from({ length: o.nodes }, (_, i) => `node-${i}`);
    const ports = await distinctFreePorts(freePort, o.nodes + 2);
    const nodeOf = (id: string, i: number): ServiceDef =>
      nodeDef({ dir: o.dir, id, ids, port: ports[i], workers: o.workers, cluster, idleMs: IDLE_AFTER_MS, env: nodeEnv, glassCli: glassCliPath(), setpriv, until, readyTimeoutMs: READY_TIMEOUT_MS });
    const nodes = ids.map((id, i) => supervise(nodeOf(id, i)));
    await orBail('the nodes', Promise.all(nodes.map((n) => n.launch())));
    await pgReady;
    await orBail('the nodes joining one cluster, /readyz', Promise.all(nodes.map((n) => n.becomeReady())));

    // The edge.
    const edgePort = o.edgePort === 0 ? ports[o.nodes] : o.edgePort;
    const readiness = { until, readyTimeoutMs: READY_TIMEOUT_MS };
    const caddy = supervise(caddyDef({ binary: caddyBinary, dir: o.dir, edgePort, adminPort: ports[o.nodes + 1], upstreams: ports.slice(0, o.nodes), setpriv }, readiness));
    await orBail('caddy', caddy.start());
    if (!appBuilt()) out('warning: dist/app is not built (node clients/web/build.mjs): Caddy\'s /app answers 404\n');
    if (prometheusBinary !== null) {
      const prometheus = supervise(prometheusDef({ binary: prometheusBinary, dir: o.dir, port: await freePort(), nodes: ports.slice(0, o.nodes), secrets, setpriv }, readiness));
      await orBail('prometheus', prometheus.start());
    }

    const edge = `https://127.0.0.1:${edgePort}`;
    ready = {
      version: 1,
      dir: o.dir,
      supervisor: process.pid,
      startedAt,
      readyAt: new Date().toISOString(),
      cluster,
      edge: { port: edgePort, app: `${edge}/app/`, ws: `wss://127.0.0.1:${edgePort}/ws` },
      env: { GLASS_TOKEN_PRIVATE_KEY_FILE: secrets.tokenPrivateKeyFile, GLASS_TOKEN_PUBLIC_KEY_FILE: secrets.tokenPublicKeyFile, GLASS_URL: `http://127.0.0.1:${ports[0]}` },
    };
    if (stopping === null) {
      const state: DevTopology = { ...ready, services: services() };
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

/** What topology.json says of a supervised service now. */
function entryOf(s: SupervisedService): DevService {
  const i = s.current;
  const state = s.state === 'failed' ? 'failed' : s.state === 'restarting' ? 'restarting' : 'up';
  return { name: s.name, kind: s.def.kind, pid: i?.pid ?? 0, port: i?.port ?? 0, url: i?.url ?? '', ...(i?.log !== undefined && { log: i.log }), restarts: s.restarts, state };
}

/** `n` free loopback ports, no two the same. */
async function distinctFreePorts(freePort: () => Promise<number>, n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** A service given from outside (REDIS_URL, COUCHDB_URL, GLASS_PG_URL): not ours to stop; its URL without credentials. */
function outside(kind: 'redis' | 'couch' | 'postgres', raw: string): DevService {
  const u = new URL(raw);
  const port = Number(u.port) || { redis: 6379, couch: 5984, postgres: 5432 }[kind];
  return { name: kind, kind, pid: 0, port, url: `${u.protocol}//${u.hostname}:${port}${kind === 'couch' ? '' : u.pathname}` };
}
