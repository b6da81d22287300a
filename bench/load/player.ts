// One simulated player: a `ws` client that joins its room, says lines stamped with their send time
// (this process's performance clock), hears the others', and — for churn, or after an unexpected
// close — reconnects and resumes with its latest resume token and the last seq it saw.
import WebSocket from 'ws';

export interface PlayerSpec {
  player: string;
  room: string;
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
  /** An error frame's code, an upgrade refusal (HTTP_<status>) or an unexpected close (CLOSE_<code>). */
  error(code: string): void;
  /** A resume completed on a new connection. */
  reconnected(): void;
  /** Lines replayed by a resume (missed while away); not in the latency histograms. */
  replayed(lines: number): void;
  /** A resume answered with a resync (the lines could not be replayed). */
  resynced(): void;
}

/** Wait before reconnecting after an unexpected close or a refused connection. */
const RETRY_MS = 250;

export class LoadPlayer {
  readonly spec: PlayerSpec;
  readonly #urls: readonly string[];
  /** The gateway in use (index in #urls). */
  #at = 0;
  readonly #events: PlayerEvents;
  #ws: WebSocket | null = null;
  #resumeToken: string | null = null;
  #lastSeq = 0;
  /** Joined (or resumed) on the current connection: lines may be said. */
  #ready = false;
  #dropping = false;
  #finished = false;
  #retry: NodeJS.Timeout | null = null;

  constructor(url: string, spec: PlayerSpec, events: PlayerEvents) {
    this.#urls = spec.urls ?? [url];
    this.spec = spec;
    this.#events = events;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Opens a connection; it joins (first time) or resumes (after a drop) once welcomed. */
  connect(): void {
    if (this.#finished) return;
    const ws = new WebSocket(`${this.#urls[this.#at]}?token=${encodeURIComponent(this.spec.token)}`, { perMessageDeflate: false });
    this.#ws = ws;
    ws.on('message', (data) => this.#onFrame(data.toString()));
    ws.on('unexpected-response', (_req, res) => {
      this.#events.error(`HTTP_${res.statusCode}`);
      ws.terminate();
    });
    ws.on('error', () => undefined); // reported by its close
    ws.on('close', (code) => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.#ready = false;
      if (this.#finished) return;
      if (this.#dropping) {
        this.#dropping = false;
        this.connect();
        return;
      }
      this.#events.error(`CLOSE_${code}`);
      // Its node may be gone (a fault): try the next gateway; resume works on any node.
      this.#at = (this.#at + 1) % this.#urls.length;
      this.#retry = setTimeout(() => this.connect(), RETRY_MS);
    });
  }

  say(text: string): void {
    this.#ws?.send(JSON.stringify({ type: 'say', room: this.spec.room, text }));
  }

  /** Churn: drops the socket without a goodbye (as a network loss would) and reconnects. */
  drop(): void {
    if (this.#ws === null || !this.#ready) return;
    this.#dropping = true;
    this.#ready = false;
    this.#ws.terminate();
  }

  /** Stops for good: closes the socket, no reconnect. */
  finish(): void {
    this.#finished = true;
    this.#ready = false;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#ws?.terminate();
    this.#ws = null;
  }

  #onFrame(raw: string): void {
    const now = performance.now();
    let f: any;
    try {
      f = JSON.parse(raw);
    } catch {
      this.#events.error('BAD_FRAME');
      return;
    }
    switch (f.type) {
      case 'welcome':
        if (this.#resumeToken === null) this.#send({ type: 'join', room: this.spec.room, ref: 'join' });
        else this.#send({ type: 'resume', token: this.#resumeToken, rooms: { [this.spec.room]: this.#lastSeq }, ref: 'resume' });
        break;
      case 'joined':
        this.#lastSeq = f.seq;
        this.#ready = true;
        break;
      case 'resume-token':
        this.#resumeToken = f.token;
        if (f.ref === 'resume') {
          this.#ready = true;
          this.#events.reconnected();
        }
        break;
      case 'resumed':
        this.#lastSeq = f.seq;
        if (f.lines.length > 0) this.#events.replayed(f.lines.length);
        break;
      case 'resync':
        this.#lastSeq = f.seq;
        this.#events.resynced();
        break;
      case 'said':
        if (f.room !== this.spec.room) break;
        this.#lastSeq = f.line.seq;
        if (f.line.from !== this.spec.player) this.#events.heard(f.line.text, now);
        break;
      case 'error':
        this.#events.error(String(f.code));
        break;
      default:
        break;
    }
  }

  #send(frame: unknown): void {
    this.#ws?.send(JSON.stringify(frame));
  }
}
