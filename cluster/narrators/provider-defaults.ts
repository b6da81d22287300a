// Where each provider is reached and with which model when configuration does not say: a leaf, so
// that reading the configuration does not load the providers' SDKs (they load on first use).
export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';
export const DEFAULT_OPENAI_MODEL = 'gpt-4o-mini';
export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_ANTHROPIC_MODEL = 'claude-3-5-haiku-latest';
