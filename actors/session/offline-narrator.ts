// The default narrator: no network, no configuration, deterministic. A fresh machine narrates with
// it, and it ends every fallback chain (cluster/narrators/fallback-narrator.ts). The text comes from
// the small phrase bank below, picked by a hash of the request; the checks' outcomes choose which
// lines are used, so a success and a failure read differently. It names the player (cleaned) and
// never echoes the player's text: nothing a player types can come back out of it.
import { integerOption, MAX_TIMER_MS, objectOption, systemClock, type Clock, type TimerHandle } from '../../runtime/index.js';
import type { NarrateOptions, NarrationRequest, NarrationResult, Narrator } from './narrator.js';
import { buildNarrationPrompt, estimateTokens, promptChars } from './prompt.js';
import type { CheckOutcome } from './rules.js';

export interface OfflineNarratorOptions {
  /** Delay before the first chunk (default 0). */
  firstChunkMs?: number;
  /** Chunks a second after the first (default 0: no pacing, each chunk on the next turn of the event loop). */
  chunksPerSec?: number;
  /** Where the delays come from (default the system's timers): a ManualClock in tests. */
  timers?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
}

/**
 * The phrase bank. `{player}` and `{skill}` are filled in; everything else is fixed text.
 * Openings by momentum, one line per check by its outcome, a line when no check was rolled, and
 * closings by how the turn went.
 */
export const OFFLINE_PHRASES = {
  opening: {
    low: ['The air grows heavy around {player}.', 'Shadows lengthen as {player} presses on.', 'Nothing about this place feels kind to {player}.'],
    even: ['{player} takes a breath and acts.', 'The moment hangs, and {player} moves.', 'All eyes turn to {player}.'],
    high: ['Fortune seems to lean toward {player}.', 'With the wind at their back, {player} steps forward.', 'The party\'s spirits lift as {player} acts.'],
  },
  outcome: {
    'critical-success': ['A flawless feat of {skill}: even the stones seem to applaud.', 'Perfect {skill}, the kind bards will sing about.'],
    success: ['Steady {skill} carries the moment.', 'The {skill} holds, and the way opens.', 'Skilful {skill} wins a small victory.'],
    failure: ['The {skill} falters at the worst moment.', 'Despite the effort, the {skill} is not enough.', 'A slip of {skill} costs precious time.'],
    'critical-failure': ['The {skill} goes badly wrong, and something breaks.', 'A disastrous lapse of {skill} draws unwanted attention.'],
  } satisfies Record<CheckOutcome, string[]>,
  noCheck: ['The world answers quietly, waiting to see what comes next.', 'Nothing stands in the way, for now.', 'The story drifts forward a step.'],
  closing: {
    good: ['The party presses its advantage.', 'Hope flickers brighter.', 'The path ahead looks clearer.'],
    bad: ['Trouble gathers at the edges.', 'The party will have to find another way.', 'Somewhere, something stirs.'],
    mixed: ['What happens next is anyone\'s guess.', 'The tale turns on the next choice.', 'The others wait for a sign.'],
  },
} as const;

/** FNV-1a over a string: 32 bits, the same in every thread and process. */
function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function pick<T>(list: readonly T[], hash: number, salt: number): T {
  return list[(Math.imul(hash ^ salt, 0x9e3779b1) >>> 0) % list.length]!;
}

/** A name safe to print: letters, digits, space, _ and -, at most 32 characters. */
function safeName(name: unknown, fallback: string): string {
  const clean = String(name ?? '').replace(/[^\p{L}\p{N} _-]/gu, '').trim().slice(0, 32);
  return clean === '' ? fallback : clean;
}

/** The narration the offline narrator gives `request`: a pure function of it. */
export function offlineNarration(request: NarrationRequest): string {
  // The hash covers what the request says, in a fixed order: the same request, the same text.
  const checks = Array.isArray(request.checks) ? request.checks : [];
  const hash = fnv1a(
    JSON.stringify([request.scene?.summary ?? '', request.scene?.momentum ?? 0, request.player, request.text, checks.map((c) => [c.skill, c.roll, c.total, c.difficulty, c.outcome]), (request.recent ?? []).map((t) => [t.player, t.text, t.narration ?? ''])]),
  );
  const player = safeName(request.player, 'the hero');
  const momentum = typeof request.scene?.momentum === 'number' ? request.scene.momentum : 0;
  const opening = pick(momentum < 0 ? OFFLINE_PHRASES.opening.low : momentum > 0 ? OFFLINE_PHRASES.opening.high : OFFLINE_PHRASES.opening.even, hash, 1);
  const lines = [opening.replace('{player}', player)];
  let good = 0;
  let bad = 0;
  checks.slice(0, 4).forEach((check, i) => {
    const bank = OFFLINE_PHRASES.outcome[check.outcome] ?? OFFLINE_PHRASES.outcome.failure;
    if (check.outcome === 'success' || check.outcome === 'critical-success') good++;
    else bad++;
    lines.push(pick(bank, hash, 7 + i).replace('{skill}', safeName(check.skill, 'effort').toLowerCase()));
  });
  if (checks.length === 0) lines.push(pick(OFFLINE_PHRASES.noCheck, hash, 3));
  const closing = good > bad ? OFFLINE_PHRASES.closing.good : bad > good ? OFFLINE_PHRASES.closing.bad : OFFLINE_PHRASES.closing.mixed;
  lines.push(pick(closing, hash, 5));
  return lines.join(' ');
}

/** The chunks a narration is streamed in: each word with the space after it. */
export function offlineChunks(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}

export function createOfflineNarrator(options: OfflineNarratorOptions = {}): Narrator {
  objectOption('offlineNarrator', options);
  const firstChunkMs = integerOption('firstChunkMs', options.firstChunkMs ?? 0, 0, MAX_TIMER_MS);
  const chunksPerSec = integerOption('chunksPerSec', options.chunksPerSec ?? 0, 0, 1_000);
  const timers = options.timers ?? systemClock;
  const intervalMs = chunksPerSec === 0 ? 0 : 1_000 / chunksPerSec;

  return {
    name: 'offline',
    narrate(request: NarrationRequest, { signal, onEvent }: NarrateOptions): Promise<NarrationResult> {
      if (signal.aborted) return Promise.reject(signal.reason);
      const text = offlineNarration(request);
      const chunks = offlineChunks(text);
      const result: NarrationResult = {
        text,
        provider: 'offline',
        usage: [{ provider: 'offline', model: 'phrase-bank', inputTokens: estimateTokens(promptChars(buildNarrationPrompt(request))), outputTokens: estimateTokens(text.length), costUsd: 0 }],
      };
      return new Promise<NarrationResult>((resolve, reject) => {
        let timer: TimerHandle | undefined;
        let next = 0;
        let done = false;
        const finish = (err?: unknown): void => {
          if (done) return;
          done = true;
          signal.removeEventListener('abort', onAbort);
          if (timer !== undefined) timers.clearTimeout(timer);
          timer = undefined;
          if (err !== undefined) reject(err);
          else resolve(result);
        };
        const onAbort = (): void => finish(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        const step = (): void => {
          timer = undefined;
          if (done) return;
          if (signal.aborted) return finish(signal.reason);
          if (next >= chunks.length) return finish();
          onEvent({ type: 'chunk', text: chunks[next++]! });
          schedule(intervalMs);
        };
        const schedule = (delayMs: number): void => {
          // Unpaced, the next chunk comes on the next turn of the event loop, not in a microtask: a
          // worker narrating a hundred turns at once still serves its ports, timers and watchdog beat.
          if (next >= chunks.length || delayMs === 0) setImmediate(step);
          else timer = timers.setTimeout(step, delayMs);
        };
        schedule(firstChunkMs);
      });
    },
  };
}
