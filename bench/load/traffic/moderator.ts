// One simulated moderator: a `ws` client with a moderator token that sends `override` frames to
// random rooms and sessions, with commands that leave the measurement standing: `narrate`, `note`,
// and `mute` of a player or `pause`, each lifted (`unmute`, `resume`) once it has held for a while.
// Every override is timed to its `override-applied` (the ref carries the send time).
import type WebSocket from 'ws';
import { Backoff } from '../../../supervisors/index.js';
import { hopRef, parseHopRef } from './hop-recorder.js';
import { LOAD_RETRY, openLoadSocket } from './load-socket.js';
import type { PlayerEvents } from './player.js';

export interface ModeratorSpec {
  player: string;
  token: string;
  /** Its number among the run's moderators (0 …), to stagger their overrides. */
  index: number;
}

/** What the moderators may target. Player i is in room i mod rooms and session i mod sessions. */
export interface ModerationTargets {
  rooms: readonly string[];
  sessions: readonly string[];
  players: readonly string[];
}

export interface ModeratorEvents extends Pick<PlayerEvents, 'sent' | 'answered' | 'refused' | 'error'> {
  /** An override of this command went out. */
  command(name: string): void;
}

/** An override frame's fields (without type and ref). */
type Override = { room: string } | { session: string };
type OverrideBody = Override & { command: string; player?: string; text?: string; reason?: string };

const REASON = 'glass bench load run';
/** Not a code of a refusal but of an unknown outcome: a mute or pause may be in force, so it is lifted anyway. */
const OVERRIDE_TIMEOUT = 'GLASS_ERR_OVERRIDE_TIMEOUT';

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

/** Player i of `count` groups (rooms or sessions) is in group i mod count: a random member of group g. */
function memberOf(players: readonly string[], count: number, g: number): string {
  const members = Math.floor((players.length - 1 - g) / count) + 1;
  return players[g + count * Math.floor(Math.random() * members)];
}

export class LoadModerator {
  readonly spec: ModeratorSpec;
  readonly #url: string;
  readonly #targets: ModerationTargets;
  readonly #holdMs: number;
  readonly #events: ModeratorEvents;
  #ws: WebSocket | null = null;
  #online = false;
  #finished = false;
  #retry: NodeJS.Timeout | null = null;
  readonly #reconnects = new Backoff(LOAD_RETRY);
  /** Overrides sent and not answered, by ref: the override that lifts each, if any. */
  readonly #pending = new Map<string, OverrideBody | null>();
  /** Lifts due (mute → unmute, pause → resume), in order of their time. */
  readonly #lifts: { at: number; body: OverrideBody }[] = [];

  constructor(url: string, spec: ModeratorSpec, targets: ModerationTargets, holdMs: number, events: ModeratorEvents) {
    this.#url = url;
    this.spec = spec;
    this.#targets = targets;
    this.#holdMs = holdMs;
    this.#events = events;
  }

  get online(): boolean {
    return this.#online;
  }

  connect(): void {
    if (this.#finished) return;
    const ws = openLoadSocket(this.#url, this.spec.token, {
      frame: (f, receivedAt) => this.#onFrame(f, receivedAt),
      error: (code) => this.#events.error(code),
      close: (code) => this.#onClose(ws, code),
    });
    this.#ws = ws;
  }

  #onClose(ws: WebSocket, code: number): void {
    if (this.#ws !== ws) return;
    this.#ws = null;
    this.#online = false;
    // Answers of what was pending are lost with the socket: lift what may be in force.
    for (const lift of this.#pending.values()) if (lift !== null) this.#lift(lift);
    this.#pending.clear();
    if (this.#finished) return;
    this.#events.error(`CLOSE_${code}`);
    this.#retry = setTimeout(() => this.connect(), this.#reconnects.next());
  }

  /** Sends one override to a random target. False when offline. */
  override(): boolean {
    if (!this.#online) return false;
    const t = this.#targets;
    const toSession = t.sessions.length > 0 && Math.random() < 0.5;
    const g = Math.floor(Math.random() * (toSession ? t.sessions.length : t.rooms.length));
    const target: Override = toSession ? { session: t.sessions[g] } : { room: t.rooms[g] };
    const command = pick(['narrate', 'note', 'mute', 'pause'] as const);
    switch (command) {
      case 'narrate':
        return this.#send({ ...target, command, text: 'The lanterns gutter as the wind turns.' }, null);
      case 'note':
        return this.#send({ ...target, command, text: 'Content note: a storm is coming.' }, null);
      case 'mute': {
        const player = memberOf(t.players, toSession ? t.sessions.length : t.rooms.length, g);
        return this.#send({ ...target, command, player, reason: REASON }, { ...target, command: 'unmute', player, reason: REASON });
      }
      case 'pause':
        return this.#send({ ...target, command, reason: REASON }, { ...target, command: 'resume', reason: REASON });
    }
  }

  /** Sends the lifts that are due (while online; late ones go out on reconnect). */
  tick(now: number): void {
    while (this.#online && this.#lifts.length > 0 && this.#lifts[0].at <= now) this.#send(this.#lifts.shift()!.body, null);
  }

  /** Stops for good. */
  finish(): void {
    this.#finished = true;
    this.#online = false;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#ws?.terminate();
    this.#ws = null;
  }

  #send(body: OverrideBody, lift: OverrideBody | null): boolean {
    const ref = hopRef('override', performance.now());
    this.#ws!.send(JSON.stringify({ type: 'override', ...body, ref }));
    this.#pending.set(ref, lift);
    this.#events.sent('override');
    this.#events.command(body.command);
    return true;
  }

  #lift(body: OverrideBody): void {
    this.#lifts.push({ at: performance.now() + this.#holdMs, body });
  }

  #onFrame(f: any, now: number): void {
    switch (f.type) {
      case 'welcome':
        this.#online = true;
        this.#reconnects.reset();
        break;
      case 'override-applied': {
        const hop = parseHopRef(f.ref);
        if (hop === null || !this.#pending.has(f.ref)) break;
        const lift = this.#pending.get(f.ref)!;
        this.#pending.delete(f.ref);
        this.#events.answered('override', now - hop.sentAt);
        if (lift !== null) this.#lift(lift);
        break;
      }
      case 'error': {
        const hop = parseHopRef(f.ref);
        this.#events.refused(hop?.kind ?? null, String(f.code));
        if (hop === null || !this.#pending.has(f.ref)) break;
        const lift = this.#pending.get(f.ref)!;
        this.#pending.delete(f.ref);
        if (lift !== null && f.code === OVERRIDE_TIMEOUT) this.#lift(lift);
        break;
      }
      default:
        break;
    }
  }
}
