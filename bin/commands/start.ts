// glass start: one node and its gateway, until SIGINT or SIGTERM (docs in bin/usage.ts).
import { CREATION_POLICIES, IdSchema, isProxyEntry, serveNode, type CreationPolicy, type ServedNode, type ServeNodeOptions } from '../../clients/index.js';
import { readFileSync } from 'node:fs';
import { loadSafetyRegistry, type SafetyRegistry } from '../../actors/index.js';
import { budgetLimitsFromEnv, describeNarratorConfig, describeWorkflowConfig, narratorConfigFromEnv, objectStoreConfigFromEnv, Secret, turnServices, workflowConfigFromEnv, type NarratorConfig, type SceneCacheServiceOptions, type WorkflowConfig } from '../../cluster/index.js';
import { GlassError, MAX_TIMER_MS } from '../../runtime/index.js';
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
    idleAfterMs: integerArg(values['idle-ms'] !== undefined ? '--idle-ms' : 'GLASS_IDLE_MS', values['idle-ms'] ?? env.GLASS_IDLE_MS, 1, MAX_TIMER_MS),
    logLevel,
    nodeId: nonEmpty('--node-id', values['node-id'] ?? env.GLASS_NODE_ID),
    redisUrl: redisUrl(values.redis ?? env.REDIS_URL),
    cluster: nonEmpty('--cluster', values.cluster ?? env.GLASS_CLUSTER) ?? 'glass',
    blockedAfterMs: blockedAfterMs(env.GLASS_BLOCKED_AFTER_MS),
    edge: edgeFromEnv(env),
    ...turnsFromEnv(env, sceneCacheFrom(redisUrl(values.redis ?? env.REDIS_URL), nonEmpty('--cluster', values.cluster ?? env.GLASS_CLUSTER) ?? 'glass')),
  };
}

/** The game's turn services from the environment: the narrator chain, the rules pool's size, the safety registry. */
function turnsFromEnv(env: NodeJS.ProcessEnv, sceneCache: SceneCacheServiceOptions): Pick<ServeNodeOptions, 'services' | 'safetyRegistry'> {
  let narrator;
  try {
    narrator = narratorConfigFromEnv(env);
  } catch (err) {
    // The message names the variable; a key's value is never in it.
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  let budget;
  try {
    budget = budgetLimitsFromEnv(env);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  let objects;
  try {
    objects = objectStoreConfigFromEnv(env);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const threads = integerArg('GLASS_RULES_THREADS', env.GLASS_RULES_THREADS, 1, 64);
  let workflows: WorkflowConfig;
  try {
    workflows = workflowConfigFromEnv(env);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const file = env.GLASS_SAFETY_REGISTRY_FILE;
  let safetyRegistry: SafetyRegistry | undefined;
  let safetyText: string | undefined;
  if (file !== undefined && file !== '') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`GLASS_SAFETY_REGISTRY_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    try {
      safetyRegistry = loadSafetyRegistry(text);
      safetyText = text;
    } catch (err) {
      throw new UsageError(`GLASS_SAFETY_REGISTRY_FILE: ${err instanceof GlassError ? err.message : String(err)}`);
    }
  }
  return {
    services: turnServices({ narrator, workflows, budget, sceneCache, objects, ...(threads !== undefined && { rules: { threads } }), ...(safetyText !== undefined && { safety: safetyText }) }),
    ...(safetyRegistry !== undefined && { safetyRegistry }),
  };
}

/** The gateway's edge limits, as serveNode takes them. */
type ServeNodeEdge = NonNullable<ServeNodeOptions['edge']>;

/** The gateway's edge limits from the environment; what is unset keeps the gateway's default. */
function edgeFromEnv(env: NodeJS.ProcessEnv): ServeNodeEdge {
  const edge: ServeNodeEdge = {};
  const maxRoomMembers = integerArg('GLASS_MAX_ROOM_MEMBERS', env.GLASS_MAX_ROOM_MEMBERS, 1, 1_000_000);
  if (maxRoomMembers !== undefined) edge.maxRoomMembers = maxRoomMembers;
  const maxConnectionsPerIp = integerArg('GLASS_MAX_CONNECTIONS_PER_IP', env.GLASS_MAX_CONNECTIONS_PER_IP, 1, 1_000_000);
  if (maxConnectionsPerIp !== undefined) edge.maxConnectionsPerIp = maxConnectionsPerIp;
  const proxies = commaList('GLASS_TRUSTED_PROXIES', env.GLASS_TRUSTED_PROXIES, 64, (a) => isProxyEntry(a.replace(/^\[|\]$/g, '')), 'IP addresses or CIDR blocks');
  if (proxies !== undefined) edge.trustedProxies = proxies;
  const perSecond = integerArg('GLASS_TEXT_BYTES_PER_SECOND', env.GLASS_TEXT_BYTES_PER_SECOND, 1, 1 << 30);
  const burst = integerArg('GLASS_TEXT_BYTES_BURST', env.GLASS_TEXT_BYTES_BURST, 16_384, 1 << 30);
  if (perSecond !== undefined || burst !== undefined) edge.textBudget = { ...(perSecond !== undefined && { perSecond }), ...(burst !== undefined && { burst }) };
  const creation: NonNullable<ServeNodeEdge['creation']> = {};
  const policy = env.GLASS_CREATION_POLICY;
  if (policy !== undefined && policy !== '') {
    if (!(CREATION_POLICIES as readonly string[]).includes(policy)) throw new UsageError(`GLASS_CREATION_POLICY must be one of ${CREATION_POLICIES.join(', ')} (received ${JSON.stringify(policy)})`);
    creation.policy = policy as CreationPolicy;
  }
  const listed = commaList('GLASS_CREATION_LISTED', env.GLASS_CREATION_LISTED, 100_000, (id) => IdSchema.safeParse(id).success, 'room and session ids');
  if (listed !== undefined) creation.listed = listed;
  const createsPerHour = integerArg('GLASS_CREATES_PER_HOUR', env.GLASS_CREATES_PER_HOUR, 1, 1_000_000);
  if (createsPerHour !== undefined) creation.createsPerHour = createsPerHour;
  if (Object.keys(creation).length > 0) edge.creation = creation;
  return edge;
}

/** A comma-separated list (blanks around entries ignored); undefined when absent or empty. */
function commaList(name: string, raw: string | undefined, max: number, valid: (entry: string) => boolean, what: string): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const entries = raw.split(',').map((e) => e.trim());
  const bad = entries.find((e) => !valid(e));
  if (bad !== undefined) throw new UsageError(`${name} must be a comma-separated list of ${what} (received ${JSON.stringify(bad)})`);
  if (entries.length > max) throw new UsageError(`${name} may hold at most ${max} entries (received ${entries.length})`);
  return entries;
}

/** 0 (the watchdog off), or from 100 ms: what the node's option takes. */
function blockedAfterMs(raw: string | undefined): number | undefined {
  const ms = integerArg('GLASS_BLOCKED_AFTER_MS', raw, 0, MAX_TIMER_MS);
  if (ms !== undefined && ms !== 0 && ms < 100) throw new UsageError(`GLASS_BLOCKED_AFTER_MS must be 0 (off) or an integer from 100 to ${MAX_TIMER_MS} (received ${JSON.stringify(raw)})`);
  return ms;
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
    // Which narrators turns go to (never a key: describeNarratorConfig shows where keys came from).
    const narrator = config.services?.narrator?.worker.options;
    if (narrator !== undefined) served.node.log.info({ narration: describeNarratorConfig(narrator as NarratorConfig) }, 'narrator');
    const workflows = config.services?.workflows?.worker.options;
    if (workflows !== undefined) served.node.log.info({ workflows: describeWorkflowConfig(workflows as WorkflowConfig) }, (workflows as WorkflowConfig).temporal === null ? 'workflows in process (no TEMPORAL_ADDRESS)' : 'workflows on Temporal');
    const budget = config.services?.budget?.worker.options;
    if (budget !== undefined) served.node.log.info({ budget }, 'budgets');
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

/** The scene cache on the cluster's Redis (shared by its nodes, keys under its prefix); without Redis, in-process. */
function sceneCacheFrom(redis: string | undefined, prefix: string): SceneCacheServiceOptions {
  const redisUrl = Secret.from(redis);
  return redisUrl === undefined ? {} : { redisUrl, prefix };
}
