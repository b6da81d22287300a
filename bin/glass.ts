#!/usr/bin/env node
// The `glass` command: runs one node (worker threads hosting the game's actors) and its gateway.
import { parseArgs } from 'node:util';
import { startGateway, type Gateway } from '../clients/index.js';
import { startDefaultNode } from '../cluster/index.js';
import { ErrorCodes, GlassError, type GlassNode } from '../runtime/index.js';

const USAGE = `Usage: glass <command> [options]

Commands:
  start    Start a node and its WebSocket gateway (ws://HOST:PORT/ws?player=<id>)
  help     Show this help

Options for start (environment variable in brackets):
  --port N          Port of the gateway, 0 for any free port [PORT] (default 9001)
  --host H          Address to listen on [HOST] (default 0.0.0.0)
  --workers N       Worker threads hosting actors [GLASS_WORKERS] (default: CPU count)
  --idle-ms N       Idle time before an actor is passivated [GLASS_IDLE_MS] (default 300000)
  --log-level L     fatal, error, warn, info, debug, trace or silent [LOG_LEVEL] (default info)

Actor state: the CouchDB at COUCHDB_URL, else an embedded server on GLASS_DATA_DIR (default .data/couch).

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
  };
}

async function start(config: StartConfig): Promise<void> {
  const node = await startDefaultNode({
    ...(config.workers !== undefined && { workers: config.workers }),
    ...(config.idleAfterMs !== undefined && { idleAfterMs: config.idleAfterMs }),
    logLevel: config.logLevel,
  });
  let gateway: Gateway;
  try {
    gateway = await startGateway({ node, port: config.port, host: config.host });
  } catch (err) {
    await node.close();
    throw err;
  }
  node.log.info({ port: gateway.port, host: config.host }, 'listening');
  stopOnSignals(node, gateway);
}

function stopOnSignals(node: GlassNode, gateway: Gateway): void {
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

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      await start(parseStart(rest, process.env));
      return 0;
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
    process.stderr.write(`glass: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
