// The node's workflow configuration: where Temporal is (TEMPORAL_ADDRESS; absent: the embedded
// in-process runner), its namespace and task queue, the world the lore belongs to, and where the
// moderators' notices go. Data only: it crosses to the workers as the service's options and is
// checked again on arrival.
import { InvalidOptionError, integerOption, stringOption } from '../../runtime/index.js';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, DEFAULT_WORLD } from './workflow-types.js';

export interface TemporalConfig {
  /** host:port of the Temporal frontend. */
  address: string;
  namespace: string;
  taskQueue: string;
  connectTimeoutMs: number;
}

export interface WorkflowConfig {
  /** null: no TEMPORAL_ADDRESS, activities run in this process. */
  temporal: TemporalConfig | null;
  world: string;
  /** Where moderationFanOut delivers: "log" and/or http(s) webhook URLs. */
  fanOutTargets: string[];
  /** Runs at once in one process (in-process mode). */
  maxRunning: number;
}

export const MAX_FAN_OUT_TARGETS = 16;
const NAME = /^[A-Za-z0-9._-]{1,200}$/;
const ADDRESS = /^[A-Za-z0-9.-]{1,253}:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/;
const WORLD = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function workflowConfig(value: unknown): WorkflowConfig {
  const v = (value ?? {}) as Partial<WorkflowConfig> & Record<string, unknown>;
  if (typeof v !== 'object' || Array.isArray(v)) throw new InvalidOptionError('services.workflows.options', 'an object', value);
  const t = v.temporal as Partial<TemporalConfig> | null | undefined;
  const temporal: TemporalConfig | null =
    t === null || t === undefined
      ? null
      : {
          address: stringOption('TEMPORAL_ADDRESS', t.address, ADDRESS, 'host:port'),
          namespace: stringOption('TEMPORAL_NAMESPACE', t.namespace ?? DEFAULT_NAMESPACE, NAME, '1 to 200 of [A-Za-z0-9._-]'),
          taskQueue: stringOption('TEMPORAL_TASK_QUEUE', t.taskQueue ?? DEFAULT_TASK_QUEUE, NAME, '1 to 200 of [A-Za-z0-9._-]'),
          connectTimeoutMs: integerOption('services.workflows.temporal.connectTimeoutMs', t.connectTimeoutMs ?? 10_000, 1, 600_000),
        };
  const targets = v.fanOutTargets ?? ['log'];
  if (!Array.isArray(targets) || targets.length > MAX_FAN_OUT_TARGETS) throw new InvalidOptionError('GLASS_MODERATION_WEBHOOKS', `at most ${MAX_FAN_OUT_TARGETS} targets`, '(hidden)');
  for (const target of targets) {
    // A webhook URL may carry a token: never echoed.
    if (target !== 'log' && !(typeof target === 'string' && /^https?:\/\/[^\s]{1,2000}$/.test(target) && URL.canParse(target))) {
      throw new InvalidOptionError('GLASS_MODERATION_WEBHOOKS', '"log" or http(s) URLs', '(hidden)');
    }
  }
  return {
    temporal,
    world: stringOption('GLASS_WORLD', v.world ?? DEFAULT_WORLD, WORLD, '1 to 64 of [a-z0-9-], starting with a letter or digit'),
    fanOutTargets: [...targets],
    maxRunning: integerOption('services.workflows.maxRunning', v.maxRunning ?? 16, 1, 1_024),
  };
}

/** From the environment (glass start, glass workflows worker). */
export function workflowConfigFromEnv(env: NodeJS.ProcessEnv): WorkflowConfig {
  const address = env.TEMPORAL_ADDRESS;
  const hooks = env.GLASS_MODERATION_WEBHOOKS;
  return workflowConfig({
    temporal: address === undefined || address === '' ? null : { address, namespace: env.TEMPORAL_NAMESPACE || undefined, taskQueue: env.TEMPORAL_TASK_QUEUE || undefined },
    world: env.GLASS_WORLD || undefined,
    fanOutTargets: hooks === undefined || hooks.trim() === '' ? undefined : ['log', ...hooks.split(',').map((h) => h.trim()).filter((h) => h !== '')],
  });
}

/** One line for the start log: where workflows go (never a webhook's URL). */
export function describeWorkflowConfig(c: WorkflowConfig): string {
  const hooks = c.fanOutTargets.filter((t) => t !== 'log').length;
  const where = c.temporal === null ? 'in process (no TEMPORAL_ADDRESS: activities run on this node, retried with backoff)' : `Temporal at ${c.temporal.address}, namespace ${c.temporal.namespace}, task queue ${c.temporal.taskQueue}`;
  return `${where}; world ${c.world}; moderators' notices to the log${hooks > 0 ? ` and ${hooks} webhook(s)` : ''}`;
}
