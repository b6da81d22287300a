// A player of the rooms scenario on our gateway or the bare uWS baseline: a `ws` client speaking
// the gateway's JSON frames (join → joined, say → said). Frames are read as strings, without a
// JSON parse: a `said` frame's sender and text are sliced out of it.
import WebSocket from 'ws';
import type { LoadEvents, LoadPlayer, PlayerSpec } from './load-player.js';

const SAID = '{"type":"said"';
const JOINED = '{"type":"joined"';
const ERROR = '{"type":"error"';
const FROM = '"from":"';
const TEXT = '"text":"';

/** The string value of `"key":"…"` in a frame (no escapes in names or the bench's texts). */
function field(frame: string, key: string): string {
  const at = frame.indexOf(key);
  if (at < 0) return '';
  const start = at + key.length;
  return frame.slice(start, frame.indexOf('"', start));
}

class WsPlayer implements LoadPlayer {
  readonly player: string;
  readonly room: string;
  readonly #ws: WebSocket;
  nextAt = 0;

  constructor(ws: WebSocket, spec: PlayerSpec) {
    this.#ws = ws;
    this.player = spec.player;
    this.room = spec.room;
  }

  say(text: string): void {
    this.#ws.send(`{"type":"say","room":"${this.room}","text":"${text}"}`);
  }

  terminate(): void {
    this.#ws.terminate();
  }
}

/**
 * Opens a socket to `url` (the token or, without one, the player's name in the query), joins the
 * player's room and resolves once `joined` arrives; rejects on an error frame, a refused upgrade,
 * a socket error or after `timeoutMs`.
 */
export function connectWsPlayer(url: string, spec: PlayerSpec, timeoutMs: number, events: LoadEvents): Promise<LoadPlayer> {
  return new Promise<LoadPlayer>((resolve, reject) => {
    const query = spec.token === undefined ? `player=${encodeURIComponent(spec.player)}` : `token=${spec.token}`;
    const ws = new WebSocket(`${url}?${query}`, spec.localAddress === undefined ? { perMessageDeflate: false } : { perMessageDeflate: false, localAddress: spec.localAddress });
    const p = new WsPlayer(ws, spec);
    /** The first frames received while joining (to explain a join that never completes). */
    const seen: string[] = [];
    let joining = true;
    const timer = setTimeout(() => reject(new Error(`${spec.player}: not joined within ${timeoutMs} ms (socket state ${ws.readyState}, frames: ${seen.join(' ') || 'none'})`)), timeoutMs);
    ws.on('message', (data) => {
      const s = data.toString();
      if (joining && seen.length < 4) seen.push(s.slice(0, 160));
      if (s.startsWith(SAID)) {
        events.said(p.player, field(s, FROM), field(s, TEXT));
      } else if (s.startsWith(JOINED)) {
        if (!joining) return;
        joining = false;
        clearTimeout(timer);
        resolve(p);
      } else if (s.startsWith(ERROR)) {
        const code = String((JSON.parse(s) as { code?: unknown }).code);
        events.error(code);
        if (joining) {
          clearTimeout(timer);
          reject(new Error(`${spec.player}: join refused with ${code}`));
        }
      }
    });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'join', room: spec.room })));
    ws.on('unexpected-response', (_req, res) => reject(new Error(`${spec.player}: upgrade refused with HTTP ${res.statusCode}`)));
    ws.on('error', (err) => reject(err));
    ws.on('close', (code, reason) => {
      if (joining) seen.push(`[closed ${code} ${reason.toString()}]`);
      events.closed(code);
    });
  });
}
