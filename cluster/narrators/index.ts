// The narrators room: the providers behind actors/session's Narrator seam (OpenAI-compatible and
// Anthropic, through LangChain), the fallback chain that ends on the offline narrator, the price
// table, and the configuration. Worker-loaded (NARRATOR_SERVICE): nothing here imports runtime/node,
// clients, bench or bin.
export { createAnthropicNarrator, DEFAULT_ANTHROPIC_BASE_URL, DEFAULT_ANTHROPIC_MODEL, type AnthropicNarratorOptions } from './anthropic-narrator.js';
export { createChatModelNarrator, MAX_NARRATION_CHARS, type ChatModelNarratorInit } from './chat-model-narrator.js';
export { createFallbackNarrator, MAX_CHAIN_LENGTH, type FallbackNarratorOptions } from './fallback-narrator.js';
export {
  describeNarratorConfig,
  NARRATOR_DEFAULTS,
  NARRATOR_KINDS,
  narratorConfig,
  narratorConfigFromEnv,
  type NarratorConfig,
  type NarratorKind,
  type ProviderConfig,
  type ProviderKind,
} from './narrator-config.js';
export { createNarratorService, NARRATOR_SERVICE, type NarratorServiceInit } from './narrator-service.js';
export { createOpenAINarrator, DEFAULT_OPENAI_BASE_URL, DEFAULT_OPENAI_MODEL, type OpenAINarratorOptions } from './openai-narrator.js';
export { costOf, DEFAULT_PRICE_TABLE, priceOf, priceTable, type ModelPrice, type PriceTable } from './price-table.js';
export { failureReason, ProviderFailure, statusOf, type ProviderCallOptions } from './provider-call.js';
export { redactSecrets, Secret } from './secret.js';
