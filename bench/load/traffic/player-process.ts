// A load process of `glass bench run`: simulates whole rooms of players (bench/load/traffic/player.ts), so
// that a line's send and receive times come from one clock — their session turns, their hops among
// this process's rooms — and some of the run's moderators. Driven over IPC (bench/support/child-process.ts):
// `prepare` (the players), `run` (until the end of the drain; answers the counts, the timeline and
// the hops), `progress` (counts so far), `close`.
import { serve } from '../../support/child-process.js';
import { HopRecorder, type EncodedHops, type HopKind } from './hop-recorder.js';
import { LoadModerator, type ModerationTargets, type ModeratorSpec } from './moderator.js';
import { OverrideTraffic } from './override-traffic.js';
import { LoadPlayer, type PlayerSpec } from './player.js';
import { RoomHops } from './room-hops.js';
import { SessionTraffic } from './session-traffic.js';
import { Timeline, type EncodedBucket } from './timeline.js';
import type { TrafficArgs } from './traffic-fields.js';

export interface PrepareArgs {
  url: string;
  players: PlayerSpec[];
  /** The run's moderators this process simulates (scenario `moderators`). */
  moderators?: ModeratorSpec[];
  /** What moderators may target (needed with moderators). */
  targets?: ModerationTargets;
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
  /** Turns, hops and overrides (scenario fields of bench/load/traffic/traffic-fields.ts). */
  traffic?: TrafficArgs;
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
  /** Lines members did not get: seqs skipped on one membership, or still missing after the drain. */
  lost: number;
  /** Player frames refused because a moderator muted the player or paused the room or session, by code. */
  moderated: Record<string, number>;
  /** Overrides sent, by command. */
  overrides: Record<string, number>;
  /** Overrides refused, by code. */
  overridesRefused: Record<string, number>;
  /** Frames the target refused to protect itself (a full turn queue, a busy rules pool), by code: backpressure, not errors. */
  backpressure: Record<string, number>;
}

export interface RunResult extends Counts {
  timeline: EncodedBucket[];
  /** Per hop kind: sent, answered, refused, latency histogram. */
  hops: EncodedHops;
  /** Longest a send came after its due time: this process's own lag (ms). */
  maxSendLagMs: number;
}

/** The send loop's period: due lines are sent at most this late (plus event-loop lag). */
const TICK_MS = 2;
/** Refusals a moderator causes on purpose: not errors. */
const MODERATION_CODES = new Set(['GLASS_ERR_MUTED', 'GLASS_ERR_PAUSED']);
/**
 * Refusals that say "not now": a session's bounded turn queue, the rules pool's bounded backlog. They
 * are reported apart from errors, so a load past a session's narration rate is a figure, not a failed
 * run. Rate limits stay errors: the harness paces itself and must stay under them.
 */
const BACKPRESSURE_CODES: ReadonlySet<string> = new Set(['GLASS_ERR_TURN_QUEUE_FULL', 'GLASS_ERR_RULES_BUSY']);
/** An override refused for want of an audit log: expected on a node without one, reported apart. */
const AUDIT_UNAVAILABLE = 'GLASS_ERR_AUDIT_UNAVAILABLE';

let url = '';
let specs: PlayerSpec[] = [];
let moderatorSpecs: ModeratorSpec[] = [];
let targets: ModerationTargets = { rooms: [], sessions: [], players: [] };
let players: LoadPlayer[] = [];
let moderators: LoadModerator[] = [];
const counts: Counts = { sent: 0, delivered: 0, replayed: 0, reconnects: 0, resyncs: 0, ready: 0, errors: {}, lost: 0, moderated: {}, overrides: {}, overridesRefused: {}, backpressure: {} };

const tally = (into: Record<string, number>, key: string): void => void (into[key] = (into[key] ?? 0) + 1);

function snapshot(): Counts {
  return {
    ...counts,
    errors: { ...counts.errors },
    moderated: { ...counts.moderated },
    overrides: { ...counts.overrides },
    overridesRefused: { ...counts.overridesRefused },
    backpressure: { ...counts.backpressure },
    ready: players.filter((p) => p.ready).length,
  };
}

function run(a: RunArgs): Promise<RunResult> {
  if (players.length > 0) throw new Error('a run is in progress');
  const start = a.startAt - performance.timeOrigin;
  const end = start + a.durationMs;
  const timeline = new Timeline(a.bucketMs);
  const hops = new HopRecorder();
  /** The latest line seq seen in each room, by any of this process's players. */
  const roomSeq = new Map<string, number>();
  const period = 1000 / a.linesPerSecondPerPlayer;
  const pad = '|' + 'x'.repeat(Math.max(0, a.textChars - 12));
  const traffic = a.traffic;
  const events = {
    heard(text: string, now: number) {
      counts.delivered++;
      timeline.delivered(now - start, now - Number(text.slice(0, text.indexOf('|'))));
    },
    sent: (kind: HopKind) => hops.sent(kind),
    answered: (kind: HopKind, latencyMs: number) => hops.answered(kind, latencyMs),
    refused(kind: HopKind | null, code: string) {
      if (kind !== null) hops.refused(kind);
      if (MODERATION_CODES.has(code)) return tally(counts.moderated, code);
      if (BACKPRESSURE_CODES.has(code)) return tally(counts.backpressure, code);
      if (kind === 'override') {
        tally(counts.overridesRefused, code);
        if (code === AUDIT_UNAVAILABLE) return;
      }
      tally(counts.errors, code);
    },
    error: (code: string) => tally(counts.errors, code),
    reconnected: () => void counts.reconnects++,
    replayed: (n: number) => void (counts.replayed += n),
    resynced: () => void counts.resyncs++,
    lost: (n: number) => void (counts.lost += n),
    seq(room: string, seq: number) {
      if (seq > (roomSeq.get(room) ?? -1)) roomSeq.set(room, seq);
    },
    command: (name: string) => tally(counts.overrides, name),
  };
  players = specs.map((s) => new LoadPlayer(url, s, events));
  moderators = moderatorSpecs.map((s) => new LoadModerator(url, s, targets, traffic?.overrideHoldMs ?? 1_000, events));
  const turns = traffic?.turnsPerMinutePerPlayer === undefined ? null : new SessionTraffic(players.filter((p) => p.spec.session !== undefined), start, traffic.turnsPerMinutePerPlayer);
  const roomHops = traffic?.hopEvery === undefined ? null : new RoomHops(players, start, traffic.hopEvery);
  const overrides =
    traffic?.overrideEveryMs === undefined || moderators.length === 0
      ? null
      : new OverrideTraffic(moderators, moderatorSpecs.map((m) => m.index), traffic.moderators, start, traffic.overrideEveryMs);
  // Per player: when it next says a line, and when it next drops its socket (churn).
  const nextSay = players.map((p) => start + p.spec.offsetMs);
  const nextDrop = players.map((p, i) => (a.reconnectEvery === undefined ? Infinity : start + p.spec.offsetMs + a.reconnectEvery * (1 + i / players.length)));
  const connects = [
    ...players.map((p) => setTimeout(() => p.connect(), Math.max(0, start + p.spec.offsetMs - performance.now()))),
    ...moderators.map((m) => setTimeout(() => m.connect(), Math.max(0, start - performance.now()))),
  ];
  let maxLag = 0;

  return new Promise<RunResult>((resolve) => {
    const finish = (): void => {
      clearInterval(lifts);
      // Lines a member in its room has still not got after the drain (another member saw them) are lost too.
      for (const p of players) {
        if (p.ready) counts.lost += Math.max(0, (roomSeq.get(p.room) ?? -1) - p.lastSeq);
      }
      for (const p of players) p.finish();
      for (const m of moderators) m.finish();
      const result: RunResult = { ...snapshot(), ready: 0, timeline: timeline.encode(), hops: hops.encode(), maxSendLagMs: Math.round(maxLag * 10) / 10 };
      timeline.destroy();
      hops.destroy();
      resolve(result);
    };
    // In the drain, moderators still lift their mutes and pauses.
    let lifts: NodeJS.Timeout | undefined;
    const tick = (): void => {
      const now = performance.now();
      if (now >= end) {
        for (const t of connects) clearTimeout(t);
        if (overrides !== null) lifts = setInterval(() => overrides.tick(performance.now(), false), TICK_MS * 5);
        setTimeout(finish, a.drainMs);
        return;
      }
      turns?.tick(now);
      roomHops?.tick(now);
      overrides?.tick(now, true);
      players.forEach((p, i) => {
        // A drop waits until the player is settled in its room (a resume needs a token for it).
        if (now >= nextDrop[i] && p.drop()) {
          nextDrop[i] += a.reconnectEvery!;
          if (nextDrop[i] <= now) nextDrop[i] = now + a.reconnectEvery!;
        }
        if (!p.ready) return;
        // Lines due while away (connecting, reconnecting, hopping) are skipped, not sent in a burst.
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
    moderatorSpecs = a.moderators ?? [];
    targets = a.targets ?? targets;
    return specs.length + moderatorSpecs.length;
  },
  run,
  progress: snapshot,
  close() {
    for (const p of players) p.finish();
    for (const m of moderators) m.finish();
    setImmediate(() => process.exit(0));
  },
});
