// The narrators room: the providers behind actors/session's Narrator seam (OpenAI-compatible and
// Anthropic, through LangChain), the fallback chain that ends on the offline narrator, the price
// table, and the configuration. Worker-loaded (NARRATOR_SERVICE): nothing here imports runtime/node,
// clients, bench or bin. The providers' own modules (openai-narrator, anthropic-narrator and the
// chat-model-narrator under both) are not re-exported: they import the LangChain SDKs (about 0.7 s),
// which every importer of cluster/ (the CLI, the gateway) would pay; the narrator service imports
// them when a provider is configured.
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
export { costOf, DEFAULT_PRICE_TABLE, priceOf, priceTable, type ModelPrice, type PriceTable } from './price-table.js';
export { failureReason, ProviderFailure, statusOf, type ProviderCallOptions } from './provider-call.js';
export { redactSecrets, Secret } from './secret.js';
