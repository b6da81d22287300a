// glass start: one node and its gateway, until SIGINT or SIGTERM (docs in bin/usage.ts).
import { serveNode, type ServedNode, type ServeNodeOptions } from '../../clients/index.js';
import { integerArg, parseCommandArgs, UsageError } from '../cli-args.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function parseStart(args: string[], env: NodeJS.ProcessEnv): ServeNodeOptions {
  const { values } = parseCommandArgs(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    workers: { type: 'string' },
    'idle-ms': { type: 'string' },
    'log-level': { type: 'string' },
    'node-id': { type: 'string' },
    redis: { type: 'string' },
    cluster: { type: 'string' },
  });
  const logLevel = values['log-level'] ?? env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')} (received ${JSON.stringify(logLevel)})`);
  // Loopback unless told otherwise: a development node is not reachable from the network by accident.
  const host = values.host ?? env.HOST ?? LOOPBACK;
  if (host.trim() === '') throw new UsageError('--host must not be empty');
  return {
    port: integerArg(values.port !== undefined ? '--port' : 'PORT', values.port ?? env.PORT, 0, 65_535) ?? 9001,
    host,
    workers: integerArg(values.workers !== undefined ? '--workers' : 'GLASS_WORKERS', values.workers ?? env.GLASS_WORKERS, 1, 256),
    idleAfterMs: integerArg(values['idle-ms'] !== undefined ? '--idle-ms' : 'GLASS_IDLE_MS', values['idle-ms'] ?? env.GLASS_IDLE_MS, 1, 2 ** 31 - 1),
    logLevel,
    nodeId: nonEmpty('--node-id', values['node-id'] ?? env.GLASS_NODE_ID),
    redisUrl: redisUrl(values.redis ?? env.REDIS_URL),
    cluster: nonEmpty('--cluster', values.cluster ?? env.GLASS_CLUSTER) ?? 'glass',
  };
}

/** Where `glass start` listens when neither --host nor HOST says: this machine only. */
export const LOOPBACK = '127.0.0.1';

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

export async function start(config: ServeNodeOptions, env: NodeJS.ProcessEnv): Promise<void> {
  await serveNode(config, env, (served) => {
    stopOnSignals(served);
    // `drain-node` (glass ops) stops this process as SIGTERM does.
    served.gateway.ops.service.setDrainNode(() => void process.kill(process.pid, 'SIGTERM'));
  });
}

function stopOnSignals(served: ServedNode): void {
  const { node } = served;
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
    served.close().then(
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
