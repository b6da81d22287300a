// A load process of `glass bench run`: simulates whole rooms of players (bench/load/player.ts), so
// that a line's send and receive times come from one clock. Driven over IPC (bench/child-process.ts):
// `prepare` (the players), `run` (until the end of the drain; answers the counts and the timeline),
// `progress` (counts so far), `close`.
import { serve } from '../child-process.js';
import { LoadPlayer, type PlayerSpec } from './player.js';
import { Timeline, type EncodedBucket } from './timeline.js';

export interface PrepareArgs {
  url: string;
  players: PlayerSpec[];
}

export interface RunArgs {
  /** Epoch ms of the run's start (every load process starts together). */
  startAt: number;
  durationMs: number;
  drainMs: number;
  bucketMs: number;
  linesPerSecondPerPlayer: number;
  reconnectEvery?: number;
  textChars: number;
}

export interface Counts {
  sent: number;
  delivered: number;
  replayed: number;
  reconnects: number;
  resyncs: number;
  /** Players joined (or resumed) right now. */
  ready: number;
  errors: Record<string, number>;
}

export interface RunResult extends Counts {
  timeline: EncodedBucket[];
  /** Longest a send came after its due time: this process's own lag (ms). */
  maxSendLagMs: number;
}

/** The send loop's period: due lines are sent at most this late (plus event-loop lag). */
const TICK_MS = 2;

let url = '';
let specs: PlayerSpec[] = [];
let players: LoadPlayer[] = [];
const counts: Counts = { sent: 0, delivered: 0, replayed: 0, reconnects: 0, resyncs: 0, ready: 0, errors: {} };

function run(a: RunArgs): Promise<RunResult> {
  if (players.length > 0) throw new Error('a run is in progress');
  const start = a.startAt - performance.timeOrigin;
  const end = start + a.durationMs;
  const timeline = new Timeline(a.bucketMs);
  const period = 1000 / a.linesPerSecondPerPlayer;
  const pad = '|' + 'x'.repeat(Math.max(0, a.textChars - 12));
  const events = {
    heard(text: string, now: number) {
      counts.delivered++;
      timeline.delivered(now - start, now - Number(text.slice(0, text.indexOf('|'))));
    },
    error(code: string) {
      counts.errors[code] = (counts.errors[code] ?? 0) + 1;
    },
    reconnected: () => void counts.reconnects++,
    replayed: (n: number) => void (counts.replayed += n),
    resynced: () => void counts.resyncs++,
  };
  players = specs.map((s) => new LoadPlayer(url, s, events));
  // Per player: when it next says a line, and when it next drops its socket (churn).
  const nextSay = players.map((p) => start + p.spec.offsetMs);
  const nextDrop = players.map((p, i) => (a.reconnectEvery === undefined ? Infinity : start + p.spec.offsetMs + a.reconnectEvery * (1 + i / players.length)));
  const connects = players.map((p) => setTimeout(() => p.connect(), Math.max(0, start + p.spec.offsetMs - performance.now())));
  let maxLag = 0;

  return new Promise<RunResult>((resolve) => {
    const finish = (): void => {
      for (const p of players) p.finish();
      const result: RunResult = { ...counts, errors: { ...counts.errors }, ready: 0, timeline: timeline.encode(), maxSendLagMs: Math.round(maxLag * 10) / 10 };
      timeline.destroy();
      resolve(result);
    };
    const tick = (): void => {
      const now = performance.now();
      if (now >= end) {
        for (const t of connects) clearTimeout(t);
        setTimeout(finish, a.drainMs);
        return;
      }
      players.forEach((p, i) => {
        if (now >= nextDrop[i]) {
          p.drop();
          nextDrop[i] += a.reconnectEvery!;
        }
        if (!p.ready) return;
        // Lines due while away (connecting, reconnecting) are skipped, not sent in a burst.
        if (now - nextSay[i] > period) nextSay[i] = now;
        while (nextSay[i] <= now) {
          maxLag = Math.max(maxLag, now - nextSay[i]);
          const t = performance.now();
          p.say(t.toFixed(3) + pad);
          timeline.sent(t - start);
          counts.sent++;
          nextSay[i] += period;
        }
      });
      setTimeout(tick, TICK_MS);
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
}

serve({
  prepare(a: PrepareArgs) {
    url = a.url;
    specs = a.players;
    return specs.length;
  },
  run,
  progress(): Counts {
    return { ...counts, errors: { ...counts.errors }, ready: players.filter((p) => p.ready).length };
  },
  close() {
    for (const p of players) p.finish();
    setImmediate(() => process.exit(0));
  },
});
