// A LangChain chat model as a Narrator: the prompt of prompt.ts in, a stream of chunks out, the
// usage of the call from the provider's own count (OpenAI's final usage chunk, Anthropic's
// message_start and message_delta) and its cost from the price table. openai-narrator.ts and
// anthropic-narrator.ts only build the model.
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import type { NarrationRequest, NarrationResult, NarrationUsage, Narrator } from '../../actors/index.js';
import { buildNarrationPrompt, estimateTokens, promptChars } from '../../actors/index.js';
import { costOf, type PriceTable } from './price-table.js';
import type { Secret } from './secret.js';
import { failureReason, ProviderFailure, statusOf, type ProviderCallOptions } from './provider-call.js';

/** What each provider's narrator takes (openai-narrator.ts, anthropic-narrator.ts). */
export interface ProviderNarratorOptions {
  /** The API's root: where the provider's SDK adds its path. */
  baseURL: string;
  model: string;
  apiKey: Secret;
  prices: PriceTable;
  /** Output tokens at most (default 400). */
  maxTokens?: number;
  onUnpriced?(provider: string, model: string): void;
}

export interface ChatModelNarratorInit {
  /** "openai", "anthropic": the provider part of the name and of the price key. */
  provider: string;
  model: string;
  /** Built with maxRetries 0: the chain, not the SDK, decides what happens after a failure. */
  chat: BaseChatModel;
  prices: PriceTable;
  /** Told once per call whose model the price table does not know (its cost is recorded as 0). */
  onUnpriced?(provider: string, model: string): void;
}

/** Longest narration kept from a provider (characters): a runaway stream is cut here, not in memory. */
export const MAX_NARRATION_CHARS = 8_000;

interface TokenCount {
  input: number;
  output: number;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content) if (part !== null && typeof part === 'object' && (part as { type?: unknown }).type === 'text') out += String((part as { text?: unknown }).text ?? '');
  return out;
}

export function createChatModelNarrator(init: ChatModelNarratorInit): Narrator {
  const name = `${init.provider}:${init.model}`;

  const usageOf = (count: TokenCount, estimated: boolean): NarrationUsage => {
    const base = { provider: init.provider, model: init.model, inputTokens: count.input, outputTokens: count.output };
    const { costUsd, priced } = costOf(base, init.prices);
    if (!priced) init.onUnpriced?.(init.provider, init.model);
    return { ...base, costUsd, ...(estimated && { estimated: true }) };
  };

  return {
    name,
    async narrate(request: NarrationRequest, options: ProviderCallOptions): Promise<NarrationResult> {
      const { signal, onEvent } = options;
      signal.throwIfAborted();
      const prompt = buildNarrationPrompt(request);
      const messages: BaseMessage[] = [new SystemMessage(prompt.system)];
      for (const m of prompt.messages) messages.push(m.role === 'user' ? new HumanMessage(m.content) : new AIMessage(m.content));

      let text = '';
      let chunks = 0;
      let reported: TokenCount | undefined;
      // What the call cost when the provider did not say: the prompt and the text seen, 4 characters a token.
      const estimate = (): TokenCount => ({ input: estimateTokens(promptChars(prompt)), output: estimateTokens(text.length) });
      const fail = (err: unknown): never => {
        const status = statusOf(err);
        // Refused with a status: nothing was generated (and providers do not bill it). Otherwise the
        // final count never came (Anthropic may have sent the input's at message_start): estimate the rest.
        const e = estimate();
        options.onUsage?.(
          status !== undefined && chunks === 0
            ? usageOf(reported ?? { input: 0, output: 0 }, false)
            : usageOf({ input: reported?.input || e.input, output: Math.max(reported?.output ?? 0, e.output) }, true),
        );
        if (signal.aborted) throw signal.reason;
        throw new ProviderFailure(name, failureReason(err, chunks), status);
      };

      try {
        const stream = await init.chat.stream(messages, { signal });
        for await (const chunk of stream) {
          if (signal.aborted) break;
          const piece = textOf(chunk.content);
          if (piece !== '' && text.length < MAX_NARRATION_CHARS) {
            const kept = piece.slice(0, MAX_NARRATION_CHARS - text.length);
            text += kept;
            chunks++;
            onEvent({ type: 'chunk', text: kept });
          }
          const u = chunk.usage_metadata;
          // Anthropic counts in two events (input at message_start, the running output total at
          // message_delta), OpenAI in one: the largest of each is the call's count either way.
          if (u !== undefined) reported = { input: Math.max(reported?.input ?? 0, u.input_tokens ?? 0), output: Math.max(reported?.output ?? 0, u.output_tokens ?? 0) };
        }
      } catch (err) {
        fail(err);
      }
      if (signal.aborted) fail(signal.reason);
      if (text.trim() === '') fail(new ProviderFailure(name, 'error'));
      return { text, provider: name, usage: [reported !== undefined ? usageOf(reported, false) : usageOf(estimate(), true)] };
    },
  };
}
