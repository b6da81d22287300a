// The narrators of a node, built from its configuration: the chain narrator → fallback… → offline.
// Workers build it themselves from the ModuleRef NARRATOR_SERVICE (options: a NarratorConfig, which
// crosses the thread as data; narratorConfig() validates it again on arrival and re-wraps the keys).
import type { Narrator } from '../../actors/index.js';
import { createOfflineNarrator } from '../../actors/index.js';
import type { Clock, Logger } from '../../runtime/index.js';
import { createFallbackNarrator } from './fallback-narrator.js';
import { narratorConfig, type NarratorConfig, type ProviderKind } from './narrator-config.js';
import { Secret } from './secret.js';

export interface NarratorServiceInit {
  options: NarratorConfig | Record<string, unknown>;
  logger?: Logger;
  /** The deadlines' and the offline pace's timers (default the system's): a ManualClock in tests. */
  timers?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
}

/**
 * The providers' modules (and their SDKs, ≈ 2 s to import on a busy machine) are loaded only when
 * the configuration names them: a worker on the offline narrator starts without them.
 */
export async function createNarratorService(init: NarratorServiceInit): Promise<Narrator> {
  const config = narratorConfig(init.options);
  const logger = init.logger;
  const warned = new Set<string>();
  const onUnpriced = (provider: string, model: string): void => {
    const key = `${provider}:${model}`;
    if (warned.has(key) || warned.size > 100) return;
    warned.add(key);
    logger?.warn({ provider, model }, 'no price for this model in the price table: its cost is recorded as 0');
  };
  // A server that needs no key still gets one from the SDKs' point of view (they refuse an empty one).
  const keyOf = (k: Secret | undefined): Secret => k ?? Secret.from('unused')!;
  const build = async (kind: ProviderKind): Promise<Narrator> => {
    const p = kind === 'openai' ? config.openai : config.anthropic;
    const common = { baseURL: p.baseURL, model: p.model, apiKey: keyOf(p.apiKey), prices: config.prices, onUnpriced };
    return kind === 'openai' ? (await import('./openai-narrator.js')).createOpenAINarrator(common) : (await import('./anthropic-narrator.js')).createAnthropicNarrator(common);
  };
  const offline = createOfflineNarrator({ ...config.pace, ...(init.timers && { timers: init.timers }) });
  const providers = await Promise.all((config.narrator === 'offline' ? [] : [config.narrator, ...config.fallback]).map(build));
  if (providers.length === 0) return offline;
  const chain = createFallbackNarrator({
    // Without the offline narrator at its end (GLASS_NARRATOR_OFFLINE_FALLBACK=off) a provider outage has no fallback left.
    chain: config.offlineFallback ? [...providers, offline] : providers,
    timeoutMs: config.timeoutMs,
    firstTokenMs: config.firstTokenMs,
    ...(init.timers && { timers: init.timers }),
    ...(logger && { logger }),
  });
  // What the budget gate narrates with when it allows no LLM call (cluster/turns/turn-service.ts).
  return Object.assign(chain, { offline });
}

/** What a worker loads to build its narrator (module + export); the node passes the config as options. */
export const NARRATOR_SERVICE = { module: import.meta.url, export: 'createNarratorService' } as const;
