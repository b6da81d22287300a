// How a provider's call tells the fallback chain what went wrong and what it cost. A provider
// narrator rejects with a ProviderFailure (never with the SDK's own error: its message may quote the
// request, or part of the key), and reports the usage of a failed call through `onUsage`, since a
// rejected promise carries no result.
import { GlassError } from '../../runtime/index.js';
import { NarrationErrors, type NarrateOptions, type NarrationFailureReason, type NarrationUsage } from '../../actors/index.js';

/** NarrateOptions as the fallback chain passes them: `onUsage` hears the usage of a failed call. */
export interface ProviderCallOptions extends NarrateOptions {
  onUsage?(usage: NarrationUsage): void;
}

/** One provider failed for one turn. Code NarrationErrors.UNAVAILABLE; details name provider and reason. */
export class ProviderFailure extends GlassError {
  readonly reason: NarrationFailureReason;
  /** The HTTP status the provider answered, if it answered one. */
  readonly status: number | undefined;

  constructor(provider: string, reason: NarrationFailureReason, status?: number) {
    super(NarrationErrors.UNAVAILABLE, `narrator ${provider} failed (${reason}${status === undefined ? '' : `, HTTP ${status}`})`, {
      provider,
      reason,
      ...(status !== undefined && { status }),
    });
    this.name = 'ProviderFailure';
    this.reason = reason;
    this.status = status;
  }
}

/** The HTTP status of an SDK error (OpenAI's and Anthropic's APIError carry `status`), if any. */
export function statusOf(err: unknown): number | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e !== null && typeof e === 'object'; depth++) {
    const status = (e as { status?: unknown }).status;
    if (typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599) return status;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Why a call failed, from what the provider did: a 429 is rate limiting; an error after some text
 * arrived is a stream cut midway; anything else is an error.
 */
export function failureReason(err: unknown, chunksSeen: number): NarrationFailureReason {
  if (err instanceof ProviderFailure) return err.reason;
  if (statusOf(err) === 429) return 'rate-limited';
  return chunksSeen > 0 ? 'stream-cut' : 'error';
}
