// The Anthropic messages narrator (streaming). The base URL goes in `anthropicApiUrl`, which
// ChatAnthropic prefers over `clientOptions.baseURL` and over the ANTHROPIC_API_URL / _BASE_URL
// environment variables: passing it always keeps the environment from redirecting the key.
import { ChatAnthropic } from '@langchain/anthropic';
import type { Narrator } from '../../actors/index.js';
import { createChatModelNarrator, type ProviderNarratorOptions } from './chat-model-narrator.js';

export { DEFAULT_ANTHROPIC_BASE_URL, DEFAULT_ANTHROPIC_MODEL } from './provider-defaults.js';

/** `baseURL`: The API's root; the SDK adds /v1/messages (default https://api.anthropic.com). */
export type AnthropicNarratorOptions = ProviderNarratorOptions;

export function createAnthropicNarrator(options: AnthropicNarratorOptions): Narrator {
  const chat = new ChatAnthropic({
    model: options.model,
    apiKey: options.apiKey.reveal(),
    anthropicApiUrl: options.baseURL,
    streaming: true,
    streamUsage: true,
    maxRetries: 0,
    maxTokens: options.maxTokens ?? 400,
    temperature: 0.8,
  });
  return createChatModelNarrator({ provider: 'anthropic', model: options.model, chat, prices: options.prices, ...(options.onUnpriced && { onUnpriced: options.onUnpriced }) });
}
