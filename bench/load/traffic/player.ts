// One simulated player: a `ws` client that joins its room, says lines stamped with their send time
// (this process's performance clock), hears the others', takes turns in its session, hops to another
// room when told, and — for churn, or after an unexpected close — reconnects and resumes with its
// latest resume token and the last seq it saw.
//
// It follows the room's line numbers (`seq`) to account for loss: on one membership, every line
// after the `joined` (or `resumed`) seq must arrive, in order, once; a seq skipped is a line lost.
import type WebSocket from 'ws';
import { Backoff } from '../../../supervisors/index.js';
import { hopRef, parseHopRef, type HopKind } from './hop-recorder.js';
import { LOAD_RETRY, openLoadSocket } from './load-socket.js';

export interface PlayerSpec {
  player: string;
  /** The room it joins first. */
  room: string;
  /** The session it takes turns in, if the scenario has sessions. */
  session?: string;
  token: string;
  /** When it connects, from the run's start (the ramp-up). */
  offsetMs: number;
  /** Gateways of a local cluster, its own first: after an unexpected close it resumes on the next one. */
  urls?: string[];
}

/** What a player reports to its load process. */
export interface PlayerEvents {
  /** A line of another member, received at `now` (performance clock). */
  heard(text: string, now: number): void;
  /** A measured frame went out. */
  sent(kind: HopKind): void;
  /** Its answer came back after `latencyMs`. */
  answered(kind: HopKind, latencyMs: number): void;
  /** An error frame's code, with the kind of the frame it answers (null: no ref of ours). */
  refused(kind: HopKind | null, code: string): void;
  /** An upgrade refusal (HTTP_<status>), an unexpected close (CLOSE_<code>), a frame that is not JSON. */
  error(code: string): void;
  /** A resume completed on a new connection. */
  reconnected(): void;
  /** Lines replayed by a resume (missed while away); not in the latency histograms. */
  replayed(lines: number): void;
  /** A resume answered with a resync (the lines could not be replayed). */
  resynced(): void;
  /** Lines a member did not get: seqs skipped on one membership. */
  lost(lines: number): void;
  /** The room's line `seq` was seen (the load process keeps each room's latest). */
  seq(room: string, seq: number): void;
}

export class LoadPlayer {
  readonly spec: PlayerSpec;
  readonly #urls: readonly string[];
  /** The gateway in use (index in #urls). */
  #at = 0;
  readonly #events: PlayerEvents;
  #ws: WebSocket | null = null;
  /** The room it is in, or on its way into (a hop). */
  #room: string;
  #resumeToken: string | null = null;
  /** The rooms the latest resume token covers. */
  #tokenRooms: readonly string[] = [];
  /** Seq of the last line seen in #room on this membership; -1 before its `joined`. */
  #lastSeq = -1;
  /** Welcomed on the current connection: turns may be taken. */
  #online = false;
  /** Joined (or resumed) #room on the current connection: lines may be said. */
  #ready = false;
  #dropping = false;
  #finished = false;
  #retry: NodeJS.Timeout | null = null;
  #joinRetry: NodeJS.Timeout | null = null;
  /** Its session answered `session-joined` on this connection (turns are for members only). */
  #inSession = false;
  readonly #reconnects = new Backoff(LOAD_RETRY);
  readonly #joinRetries = new Backoff(LOAD_RETRY);

  constructor(url: string, spec: PlayerSpec, events: PlayerEvents) {
    this.#urls = spec.urls ?? [url];
    this.spec = spec;
    this.#room = spec.room;
    this.#events = events;
  }

  get ready(): boolean {
    return this.#ready;
  }

  get online(): boolean {
    return this.#online;
  }

  get room(): string {
    return this.#room;
  }

  /** Seq of the last line seen in its room (-1 before it joined). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /**
   * In its room with a resume token for exactly that room: a drop now can be resumed, and a hop
   * leaves a state the next resume token will describe.
   */
  get settled(): boolean {
    return this.#ready && this.#tokenRooms.length === 1 && this.#tokenRooms[0] === this.#room;
  }

  /** Opens a connection; it joins (first time) or resumes (after a drop) once welcomed. */
  connect(): void {
    if (this.#finished) return;
    const ws = openLoadSocket(this.#urls[this.#at], this.spec.token, {
      frame: (f, receivedAt) => this.#onFrame(f, receivedAt),
      error: (code) => this.#events.error(code),
      close: (code) => this.#onClose(ws, code),
    });
    this.#ws = ws;
  }

  #onClose(ws: WebSocket, code: number): void {
    if (this.#ws !== ws) return;
    this.#ws = null;
    this.#ready = false;
    this.#online = false;
    if (this.#finished) return;
    if (this.#dropping) {
      this.#dropping = false;
      this.connect();
      return;
    }
    this.#events.error(`CLOSE_${code}`);
    // Its node may be gone (a fault): try the next gateway; resume works on any node.
    this.#at = (this.#at + 1) % this.#urls.length;
    this.#retry = setTimeout(() => this.connect(), this.#reconnects.next());
  }

  /** A line in its room; only when ready. */
  say(text: string): void {
    this.#send({ type: 'say', room: this.#room, text, ref: 's' });
    this.#events.sent('say');
  }

  /** A turn in its session, timed to its turn-accepted. False when it cannot be taken now. */
  turn(text: string): boolean {
    if (!this.#online || this.spec.session === undefined || !this.#inSession) return false;
    this.#send({ type: 'turn', session: this.spec.session, text, ref: hopRef('turn', performance.now()) });
    this.#events.sent('turn');
    return true;
  }

  /**
   * Leaves its room for `next` (both frames at once: a join need not wait for the left). Lines are
   * said again once `next` answers `joined`. False when not settled (joining, resuming, hopping).
   */
  hop(next: string): boolean {
    if (!this.settled || next === this.#room) return false;
    const now = performance.now();
    this.#send({ type: 'leave', room: this.#room, ref: hopRef('leave', now) });
    this.#events.sent('leave');
    this.#room = next;
    this.#join(now);
    return true;
  }

  /** Churn: drops the socket without a goodbye (as a network loss would) and reconnects. False when not settled. */
  drop(): boolean {
    if (this.#ws === null || !this.settled) return false;
    this.#dropping = true;
    this.#ready = false;
    this.#online = false;
    this.#ws.terminate();
    return true;
  }

  /** Stops for good: closes the socket, no reconnect. */
  finish(): void {
    this.#finished = true;
    this.#ready = false;
    this.#online = false;
    if (this.#retry !== null) clearTimeout(this.#retry);
    if (this.#joinRetry !== null) clearTimeout(this.#joinRetry);
    this.#ws?.terminate();
    this.#ws = null;
  }

  #join(now: number): void {
    this.#ready = false;
    this.#lastSeq = -1;
    this.#send({ type: 'join', room: this.#room, ref: hopRef('join', now) });
    this.#events.sent('join');
  }

  #onFrame(f: any, now: number): void {
    switch (f.type) {
      case 'welcome':
        this.#online = true;
        this.#inSession = false;
        this.#reconnects.reset();
        // Its session first: only members take turns (joining again is harmless).
        if (this.spec.session !== undefined) this.#send({ type: 'join-session', session: this.spec.session, ref: 'js' });
        // A resume needs a token for exactly our room (a close mid-hop leaves one for another room
        // set): otherwise join afresh; the held memberships lapse after the resume window.
        if (this.#resumeToken !== null && this.#lastSeq >= 0 && this.#tokenRooms.length === 1 && this.#tokenRooms[0] === this.#room) {
          this.#send({ type: 'resume', token: this.#resumeToken, rooms: { [this.#room]: this.#lastSeq }, ref: hopRef('resume', now) });
          this.#events.sent('resume');
        } else {
          this.#join(now);
        }
        break;
      case 'joined':
        if (f.room !== this.#room) break;
        this.#answered(f.ref, now);
        this.#lastSeq = f.seq;
        this.#events.seq(f.room, f.seq);
        this.#ready = true;
        this.#joinRetries.reset();
        break;
      case 'left':
        this.#answered(f.ref, now);
        break;
      case 'turn-accepted':
        this.#answered(f.ref, now);
        break;
      case 'session-joined':
        this.#inSession = true;
        break;
      case 'resume-token':
        this.#resumeToken = f.token;
        this.#tokenRooms = f.rooms;
        if (parseHopRef(f.ref)?.kind === 'resume') {
          this.#answered(f.ref, now);
          this.#ready = true;
          this.#events.reconnected();
        }
        break;
      case 'resumed':
        if (f.room !== this.#room) break;
        for (const line of f.lines) this.#line(line.seq);
        if (f.lines.length > 0) this.#events.replayed(f.lines.length);
        this.#line(f.seq);
        break;
      case 'resync':
        if (f.room !== this.#room) break;
        this.#lastSeq = f.seq;
        this.#events.seq(f.room, f.seq);
        this.#events.resynced();
        break;
      case 'said':
        if (f.room !== this.#room || this.#lastSeq < 0) break;
        this.#line(f.line.seq);
        if (f.line.from !== this.spec.player) this.#events.heard(f.line.text, now);
        break;
      case 'moderated':
        // Narration takes the room's next seq like any line.
        if (f.line !== undefined && f.room === this.#room && this.#lastSeq >= 0) this.#line(f.line.seq);
        break;
      case 'error': {
        const hop = parseHopRef(f.ref);
        this.#events.refused(hop?.kind ?? null, String(f.code));
        if (hop?.kind === 'resume' && !this.#ready) this.#join(now); // the resume was refused whole: start over
        else if (hop?.kind === 'join' && !this.#ready && this.#joinRetry === null) {
          // Refused (e.g. an ask timeout): try again, or the player would never say a line again.
          this.#joinRetry = setTimeout(() => {
            this.#joinRetry = null;
            if (this.#online && !this.#ready) this.#join(performance.now());
          }, this.#joinRetries.next());
        }
        break;
      }
      default:
        break;
    }
  }

  /** The line `seq` of our room arrived (live or as the end of a replay): anything skipped since the last one is lost. */
  #line(seq: number): void {
    if (seq > this.#lastSeq + 1) this.#events.lost(seq - this.#lastSeq - 1);
    if (seq > this.#lastSeq) {
      this.#lastSeq = seq;
      this.#events.seq(this.#room, seq);
    }
  }

  #answered(ref: unknown, now: number): void {
    const hop = parseHopRef(ref);
    if (hop !== null) this.#events.answered(hop.kind, now - hop.sentAt);
  }

  #send(frame: unknown): void {
    this.#ws?.send(JSON.stringify(frame));
  }
}
