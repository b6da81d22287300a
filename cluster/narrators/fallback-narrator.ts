// The chain of narrators for one turn: primary → fallback → … → offline, each tried once. Our own
// composition rather than LangChain's `withFallbacks`: that moves on only when a call throws, so it
// cannot express a first-token deadline, an overall deadline per provider, or a stream cut after
// chunks were already streamed to players (which must tell them the text so far is void), and it
// knows nothing of the `degraded` events or the usage of the failed calls.
import { GlassError, integerOption, MAX_TIMER_MS, systemClock, type Clock, type Logger, type TimerHandle } from '../../runtime/index.js';
import {
  NarrationErrors,
  type NarrateOptions,
  type NarrationEvent,
  type NarrationFailureReason,
  type NarrationRequest,
  type NarrationResult,
  type NarrationUsage,
  type Narrator,
} from '../../actors/index.js';
import { failureReason, ProviderFailure, statusOf, type ProviderCallOptions } from './provider-call.js';

export interface FallbackNarratorOptions {
  /** Tried in order, each at most once a turn. The last should be one that cannot fail (offline). */
  chain: readonly Narrator[];
  /** A provider that has not finished this long after it was asked is dropped ('timeout'); 0: no limit. */
  timeoutMs: number;
  /** A provider that has streamed no chunk this long after it was asked is dropped ('slow-first-token'); 0: no limit. */
  firstTokenMs: number;
  /** Where the deadlines come from (default the system's timers): a ManualClock in tests. */
  timers?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  /** One warn line per provider dropped (provider, reason, HTTP status: never a key or a prompt). */
  logger?: Logger;
}

export const MAX_CHAIN_LENGTH = 8;

export function createFallbackNarrator(options: FallbackNarratorOptions): Narrator {
  const chain = [...options.chain];
  integerOption('chain.length', chain.length, 1, MAX_CHAIN_LENGTH);
  const timeoutMs = integerOption('timeoutMs', options.timeoutMs, 0, MAX_TIMER_MS);
  const firstTokenMs = integerOption('firstTokenMs', options.firstTokenMs, 0, MAX_TIMER_MS);
  const timers = options.timers ?? systemClock;
  const logger = options.logger;

  /** One provider's try: its result, or why it was dropped (with the chunks it had streamed). */
  const attempt = async (
    narrator: Narrator,
    last: boolean,
    request: NarrationRequest,
    parent: AbortSignal,
    onEvent: (event: NarrationEvent) => void,
    usage: NarrationUsage[],
  ): Promise<{ ok: true; result: NarrationResult } | { ok: false; reason: NarrationFailureReason; chunks: number; status: number | undefined }> => {
    const controller = new AbortController();
    let dropped: NarrationFailureReason | undefined;
    let chunks = 0;
    let firstTimer: TimerHandle | undefined;
    let overallTimer: TimerHandle | undefined;
    const drop = (reason: NarrationFailureReason): void => {
      if (dropped !== undefined) return;
      dropped = reason;
      controller.abort(new ProviderFailure(narrator.name, reason));
    };
    const onParentAbort = (): void => controller.abort(parent.reason);
    parent.addEventListener('abort', onParentAbort, { once: true });
    // The last narrator has nothing to fall back to: no deadline cuts it.
    if (!last && firstTokenMs > 0) firstTimer = timers.setTimeout(() => drop('slow-first-token'), firstTokenMs);
    if (!last && timeoutMs > 0) overallTimer = timers.setTimeout(() => drop('timeout'), timeoutMs);
    const call: ProviderCallOptions = {
      signal: controller.signal,
      onEvent(event) {
        // Nothing of a dropped provider reaches the players after it was dropped.
        if (dropped !== undefined || parent.aborted) return;
        if (event.type === 'chunk') {
          chunks++;
          if (firstTimer !== undefined) timers.clearTimeout(firstTimer);
          firstTimer = undefined;
        }
        onEvent(event);
      },
      onUsage: (u) => void usage.push(u),
    };
    try {
      // A narrator honours its signal (the seam says so); the parent's abort does not wait for it.
      const result = await raceAbort(narrator.narrate(request, call), parent);
      if (dropped !== undefined) return { ok: false, reason: dropped, chunks, status: undefined };
      return { ok: true, result };
    } catch (err) {
      if (parent.aborted) throw parent.reason;
      return { ok: false, reason: dropped ?? failureReason(err, chunks), chunks, status: statusOf(err) ?? (err instanceof ProviderFailure ? err.status : undefined) };
    } finally {
      if (firstTimer !== undefined) timers.clearTimeout(firstTimer);
      if (overallTimer !== undefined) timers.clearTimeout(overallTimer);
      parent.removeEventListener('abort', onParentAbort);
    }
  };

  return {
    name: chain.map((n) => n.name).join('>'),
    async narrate(request: NarrationRequest, { signal, onEvent }: NarrateOptions): Promise<NarrationResult> {
      const usage: NarrationUsage[] = [];
      let degraded: { from: string; reason: NarrationFailureReason } | undefined;
      for (let i = 0; i < chain.length; i++) {
        signal.throwIfAborted();
        const narrator = chain[i]!;
        const last = i === chain.length - 1;
        const outcome = await attempt(narrator, last, request, signal, onEvent, usage);
        if (outcome.ok) {
          usage.push(...outcome.result.usage);
          return { text: outcome.result.text, provider: outcome.result.provider, usage, ...(degraded !== undefined && { degraded }) };
        }
        // What the players are told is the first failure: the narrator they were meant to hear.
        degraded ??= { from: narrator.name, reason: outcome.reason };
        logger?.warn({ from: narrator.name, reason: outcome.reason, ...(outcome.status !== undefined && { status: outcome.status }), turn: request.turn }, 'narrator dropped for this turn');
        if (last) break;
        // A cut stream's chunks (or a timed-out one's) are void: the next narrator starts over.
        onEvent({ type: 'degraded', from: narrator.name, to: chain[i + 1]!.name, reason: outcome.reason, restart: outcome.chunks > 0 });
      }
      throw new GlassError(NarrationErrors.UNAVAILABLE, `every narrator failed (${chain.map((n) => n.name).join(', ')})`, { usage, ...(degraded !== undefined && { first: degraded }) });
    },
  };
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
