#!/usr/bin/env node
// The `glass` command: runs one node (worker threads hosting the game's actors) and its gateway.
import { parseArgs } from 'node:util';
import {
  AuditLog,
  MAX_ACCESS_TTL_MS,
  ModeratorClient,
  OverrideRequest,
  ROLES,
  auditUrlFromEnv,
  describePgUrl,
  resolveTokenSecret,
  runOpsCommand,
  signAccessToken,
  startGateway,
  type AuditStatus,
  type Gateway,
  type Role,
} from '../clients/index.js';
import { startClusterNode, startDefaultNode, startOpsPublisher } from '../cluster/index.js';
import { ErrorCodes, GlassError, createLogger } from '../runtime/index.js';
import { type GlassNode } from '../runtime/node/index.js';
import { BENCH_USAGE } from '../bench/load/usage.js';

const USAGE = `Usage: glass <command> [options]

Commands:
  start    Start a node and its WebSocket gateway (ws://HOST:PORT/ws?token=<access token>)
  token    Print an access token for development: glass token --player ID --character ID
  mod      A moderator override: glass mod mute --room r1 --player alice --reason "spam"
  audit    Check the moderation audit log: glass audit verify
  ops      Look at and act on a running cluster: glass ops tree | top | … (glass ops help)
  bench    Load a gateway from a scenario file: glass bench run s.json --local (docs/LOAD.md)
  help     Show this help

Options for start (environment variable in brackets):
  --port N          Port of the gateway, 0 for any free port [PORT] (default 9001)
  --host H          Address to listen on [HOST] (default 0.0.0.0)
  --workers N       Worker threads hosting actors [GLASS_WORKERS] (default: CPU count)
  --idle-ms N       Idle time before an actor is passivated [GLASS_IDLE_MS] (default 300000)
  --log-level L     fatal, error, warn, info, debug, trace or silent [LOG_LEVEL] (default info)
  --node-id ID      This node's id in the cluster [GLASS_NODE_ID] (default <hostname>-<pid>)
  --redis URL       Join the cluster on this Redis [REDIS_URL] (default: run alone)
  --cluster NAME    Cluster name: the Redis key prefix [GLASS_CLUSTER] (default glass)

Cluster: with --redis (or REDIS_URL) the node joins the other nodes of the same cluster name on
that Redis; actors are placed over all live nodes, and a player on any node reaches any room.

Actor state: the CouchDB at COUCHDB_URL, else an embedded server on GLASS_DATA_DIR (default .data/couch).

Options for token:
  --player ID       The player's id (required)
  --character ID    The character's id (required)
  --role R          player, moderator or ops; repeat for several (default player)
  --ttl T           Life of the token: 90s, 30m, 1h, 7d (default 1h, at most 30d)

Token key (start and token alike): GLASS_TOKEN_SECRET (at least 32 characters; every node of a
cluster needs the same), else the file GLASS_TOKEN_SECRET_FILE (default .data/token-secret),
created with a random key and mode 0600 on first use.

Moderation audit log (start and audit): PostgreSQL at GLASS_PG_URL (else DATABASE_URL), tables in
schema GLASS_PG_SCHEMA (default public), created at start. Without it, overrides are refused
(GLASS_ERR_AUDIT_UNAVAILABLE); players are served either way.

glass mod COMMAND (--room ID | --session ID) [options]
  COMMAND           mute, unmute, kick, pause, resume, lock, unlock, redact, narrate or note
  --player ID       mute, unmute, kick: the player
  --seq N           redact: the room line's seq (or the session turn's number)
  --text T          narrate, note: the text
  --reason R        why (required except for narrate and note)
  --url URL         the gateway [GLASS_URL] (default http://127.0.0.1:9001)
  --token T         an access token with the moderator role [GLASS_MOD_TOKEN]
  --as ID           without a token: sign a 5-minute moderator token as ID with the local token key
  Prints the override's audit ref as JSON. Exit 1 if it was refused (the code is printed).

glass audit verify
  Walks the audit chain; prints "ok" and the head, or the first row altered, inserted or deleted
  (exit 3).

${BENCH_USAGE}
Exit codes: 0 after a clean shutdown (SIGINT/SIGTERM), 1 on a failure, 2 on a usage error.
`;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** A mistake in how glass was invoked: reported in one line, exit code 2. */
class UsageError extends Error {}

interface StartConfig {
  port: number;
  host: string;
  workers: number | undefined;
  idleAfterMs: number | undefined;
  logLevel: string;
  nodeId: string | undefined;
  redisUrl: string | undefined;
  cluster: string;
}

function integer(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max} (received ${JSON.stringify(raw)})`);
  }
  return value;
}

function parseStart(args: string[], env: NodeJS.ProcessEnv): StartConfig {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        workers: { type: 'string' },
        'idle-ms': { type: 'string' },
        'log-level': { type: 'string' },
        'node-id': { type: 'string' },
        redis: { type: 'string' },
        cluster: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const logLevel = values['log-level'] ?? env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')} (received ${JSON.stringify(logLevel)})`);
  const host = values.host ?? env.HOST ?? '0.0.0.0';
  if (host.trim() === '') throw new UsageError('--host must not be empty');
  return {
    port: integer(values.port !== undefined ? '--port' : 'PORT', values.port ?? env.PORT, 0, 65_535) ?? 9001,
    host,
    workers: integer(values.workers !== undefined ? '--workers' : 'GLASS_WORKERS', values.workers ?? env.GLASS_WORKERS, 1, 256),
    idleAfterMs: integer(values['idle-ms'] !== undefined ? '--idle-ms' : 'GLASS_IDLE_MS', values['idle-ms'] ?? env.GLASS_IDLE_MS, 1, 2 ** 31 - 1),
    logLevel,
    nodeId: nonEmpty('--node-id', values['node-id'] ?? env.GLASS_NODE_ID),
    redisUrl: redisUrl(values.redis ?? env.REDIS_URL),
    cluster: nonEmpty('--cluster', values.cluster ?? env.GLASS_CLUSTER) ?? 'glass',
  };
}

function nonEmpty(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(raw)) throw new UsageError(`${name} must be 1 to 64 letters, digits, ".", "_" or "-" (received ${JSON.stringify(raw)})`);
  return raw;
}

function redisUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  // The URL may hold a password: never echo it.
  if (!/^rediss?:\/\//.test(raw)) throw new UsageError('--redis (REDIS_URL) must be a redis:// or rediss:// URL');
  return raw;
}

async function start(config: StartConfig): Promise<void> {
  // First, so that a bad key fails before anything starts.
  const secret = await resolveTokenSecret(process.env);
  const options = {
    ...(config.workers !== undefined && { workers: config.workers }),
    ...(config.idleAfterMs !== undefined && { idleAfterMs: config.idleAfterMs }),
    ...(config.nodeId !== undefined && { nodeId: config.nodeId }),
    logLevel: config.logLevel,
  };
  const node =
    config.redisUrl === undefined
      ? await startDefaultNode(options)
      : await startClusterNode({ ...options, redisUrl: config.redisUrl, prefix: config.cluster, address: `ws://${config.host}:${config.port}` });
  // The audit log connects in the background: an unreachable PostgreSQL refuses overrides, not players.
  const pgUrl = auditUrlFromEnv(process.env);
  const audit = pgUrl === undefined ? null : AuditLog.open({ url: pgUrl, schema: process.env.GLASS_PG_SCHEMA || undefined, logger: node.log });
  if (audit === null) node.log.warn('no moderation audit log (GLASS_PG_URL unset): overrides are refused with GLASS_ERR_AUDIT_UNAVAILABLE');
  let gateway: Gateway;
  try {
    gateway = await startGateway({ node, port: config.port, host: config.host, tokenSecret: secret.key, audit });
  } catch (err) {
    await audit?.close();
    await node.close();
    throw err;
  }
  // Where the key came from, never the key; where PostgreSQL is, never its credentials.
  node.log.info({ port: gateway.port, host: config.host, tokenSecret: secret.source, tokenSecretFile: secret.path, auditLog: pgUrl === undefined ? null : describePgUrl(pgUrl) }, 'listening');
  stopOnSignals(node, gateway, audit);
  // The ops view of the whole cluster (docs/OPS.md); `drain-node` stops this process as SIGTERM does.
  gateway.ops.service.setDrainNode(() => void process.kill(process.pid, 'SIGTERM'));
  if (config.redisUrl !== undefined) {
    const publisher = await startOpsPublisher({ redisUrl: config.redisUrl, prefix: config.cluster, nodeId: node.id });
    node.onClose(() => publisher.close());
    gateway.ops.service.useCluster(publisher);
  }
}

function stopOnSignals(node: GlassNode, gateway: Gateway, audit: AuditLog | null): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second signal: the operator does not want to wait for the drain.
      node.log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    node.log.info({ signal }, 'shutting down');
    // Gateway first, so that the rooms are left before the node drains (saves) its actors.
    gateway
      .close()
      .then(() => node.close())
      .then(() => audit?.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          node.log.error({ err: err instanceof Error ? err.message : String(err) }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

interface TokenConfig {
  player: string;
  character: string;
  roles: Role[];
  ttlMs: number;
}

const TTL_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function parseTtl(raw: string): number {
  const match = /^(\d{1,9})(ms|s|m|h|d)?$/.exec(raw.trim());
  const ms = match === null ? NaN : Number(match[1]) * TTL_UNITS[match[2] ?? 's'];
  if (!Number.isSafeInteger(ms) || ms < 1_000 || ms > MAX_ACCESS_TTL_MS) {
    throw new UsageError(`--ttl must be a duration from 1s to 30d such as 90s, 30m, 1h or 7d (received ${JSON.stringify(raw)})`);
  }
  return ms;
}

function parseToken(args: string[]): TokenConfig {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        player: { type: 'string' },
        character: { type: 'string' },
        role: { type: 'string', multiple: true },
        ttl: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const id = (name: string, raw: string | undefined): string => {
    if (raw === undefined || !/^[A-Za-z0-9._-]{1,128}$/.test(raw) || raw === '__proto__') {
      throw new UsageError(`--${name} is required: 1 to 128 letters, digits, ".", "_" or "-"`);
    }
    return raw;
  };
  const roles = values.role ?? ['player'];
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')} (received ${JSON.stringify(role)})`);
  }
  return { player: id('player', values.player), character: id('character', values.character), roles: roles as Role[], ttlMs: parseTtl(values.ttl ?? '1h') };
}

async function token(config: TokenConfig): Promise<void> {
  const secret = await resolveTokenSecret(process.env);
  process.stdout.write((await signAccessToken(secret.key, config)) + '\n');
}

function parseMod(args: string[], env: NodeJS.ProcessEnv): { request: OverrideRequest; url: string; token: string | undefined; as: string | undefined } {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        room: { type: 'string' },
        session: { type: 'string' },
        player: { type: 'string' },
        seq: { type: 'string' },
        text: { type: 'string' },
        reason: { type: 'string' },
        url: { type: 'string' },
        token: { type: 'string' },
        as: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (positionals.length !== 1) throw new UsageError('glass mod takes one command: mute, unmute, kick, pause, resume, lock, unlock, redact, narrate or note');
  const raw = {
    command: positionals[0],
    ...(values.room !== undefined && { room: values.room }),
    ...(values.session !== undefined && { session: values.session }),
    ...(values.player !== undefined && { player: values.player }),
    ...(values.seq !== undefined && { seq: integer('--seq', values.seq, 1, Number.MAX_SAFE_INTEGER) }),
    ...(values.text !== undefined && { text: values.text }),
    ...(values.reason !== undefined && { reason: values.reason }),
  };
  const parsed = OverrideRequest.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new UsageError(`${first.path.length === 0 ? 'override' : '--' + first.path.map(String).join('.')}: ${first.message}`);
  }
  const url = values.url ?? env.GLASS_URL ?? 'http://127.0.0.1:9001';
  const token = values.token ?? (env.GLASS_MOD_TOKEN || undefined);
  if (token === undefined && values.as === undefined) throw new UsageError('glass mod needs --token (or GLASS_MOD_TOKEN), or --as ID to sign a moderator token with the local key');
  return { request: parsed.data, url, token, as: values.as };
}

async function mod(config: ReturnType<typeof parseMod>): Promise<void> {
  let token = config.token;
  if (token === undefined) {
    const secret = await resolveTokenSecret(process.env);
    token = await signAccessToken(secret.key, { player: config.as!, character: config.as!, roles: ['moderator'], ttlMs: 5 * 60_000 });
  }
  const receipt = await new ModeratorClient({ url: config.url, token }).override(config.request);
  process.stdout.write(JSON.stringify(receipt) + '\n');
}

async function auditCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (args.length !== 1 || args[0] !== 'verify') throw new UsageError('usage: glass audit verify');
  const url = auditUrlFromEnv(env);
  if (url === undefined) throw new UsageError('glass audit verify needs GLASS_PG_URL (or DATABASE_URL)');
  const log = AuditLog.open({ url, schema: env.GLASS_PG_SCHEMA || undefined, logger: createLogger('glass', 'silent'), retry: { minMs: 60_000 } });
  try {
    const status = await new Promise<AuditStatus>((resolve) => {
      if (log.status !== 'connecting') return resolve(log.status);
      const off = log.onStatus((s) => {
        off();
        resolve(s);
      });
    });
    if (status !== 'ready') throw new GlassError('GLASS_ERR_AUDIT_UNAVAILABLE', `PostgreSQL at ${describePgUrl(url)} is unreachable`);
    const verdict = await log.verify();
    if (verdict.ok) {
      process.stdout.write(`ok: ${verdict.rows} rows, head ${verdict.head.id} ${verdict.head.hash}\n`);
      return 0;
    }
    process.stdout.write(`tampered: row ${verdict.id} ${verdict.kind} (${verdict.detail}); ${verdict.rows} rows before it are intact\n`);
    return 3;
  } finally {
    await log.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      await start(parseStart(rest, process.env));
      return 0;
    case 'token':
      await token(parseToken(rest));
      return 0;
    case 'mod':
      await mod(parseMod(rest, process.env));
      return 0;
    case 'audit':
      return auditCommand(rest, process.env);
    case 'ops':
      return runOpsCommand(rest, process.env);
    case 'bench':
      return (await import('../bench/load/command.js')).runBenchCommand(rest, process.env);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    case undefined:
      process.stderr.write(USAGE);
      return 2;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}; try "glass help"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err instanceof GlassError && err.code === ErrorCodes.INVALID_OPTION)) {
      process.stderr.write(`glass: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    const code = err instanceof GlassError ? `${err.code}: ` : '';
    process.stderr.write(`glass: ${code}${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
