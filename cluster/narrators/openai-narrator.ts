// The OpenAI chat-completions narrator: api.openai.com, or any server that speaks the same API
// (a local model server, a proxy) through `baseURL`. ChatOpenAICompletions is ChatOpenAI's
// chat-completions half with the same options; it is used instead of ChatOpenAI because ChatOpenAI
// routes some model names to the Responses API, which local servers do not speak.
import { ChatOpenAICompletions } from '@langchain/openai';
import type { Narrator } from '../../actors/index.js';
import { createChatModelNarrator, type ProviderNarratorOptions } from './chat-model-narrator.js';

export { DEFAULT_OPENAI_BASE_URL, DEFAULT_OPENAI_MODEL } from './provider-defaults.js';

/** `baseURL`: Where /chat/completions lives (default https://api.openai.com/v1). */
export type OpenAINarratorOptions = ProviderNarratorOptions;

export function createOpenAINarrator(options: OpenAINarratorOptions): Narrator {
  const chat = new ChatOpenAICompletions({
    model: options.model,
    apiKey: options.apiKey.reveal(),
    configuration: { baseURL: options.baseURL },
    streaming: true,
    streamUsage: true,
    // The chain moves on instead: a retry inside one turn would double its wait and its cost.
    maxRetries: 0,
    maxTokens: options.maxTokens ?? 400,
    temperature: 0.8,
  });
  return createChatModelNarrator({ provider: 'openai', model: options.model, chat, prices: options.prices, ...(options.onUnpriced && { onUnpriced: options.onUnpriced }) });
}
