// A player's WebSocket for the fault cases: frames kept in an inbox so that `next` finds one that
// arrived before it was asked for; a closed socket fails what waits.
import WebSocket from 'ws';
import { tokenFor } from './keys.js';

export type Frame = Record<string, any> & { type: string };

interface Waiter {
  match(f: Frame): boolean;
  resolve(f: Frame): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class WsPlayer {
  readonly player: string;
  readonly socket: WebSocket;
  readonly inbox: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #waiters = new Set<Waiter>();
  #closedAt: { code: number } | null = null;

  private constructor(player: string, socket: WebSocket) {
    this.player = player;
    this.socket = socket;
    socket.on('message', (data) => {
      let f: Frame;
      try {
        f = JSON.parse(data.toString()) as Frame;
      } catch {
        return;
      }
      for (const w of this.#waiters) {
        if (!w.match(f)) continue;
        this.#waiters.delete(w);
        clearTimeout(w.timer);
        return w.resolve(f);
      }
      this.inbox.push(f);
      if (this.inbox.length > 2_000) this.inbox.shift();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => {
        this.#closedAt = { code };
        for (const w of this.#waiters) {
          clearTimeout(w.timer);
          w.reject(new Error(`${player}: socket closed (${code}) while waiting`));
        }
        this.#waiters.clear();
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  /** Connects with a token for `player` (or the given one) and waits for `welcome`. */
  static async connect(url: string, player: string, token?: string): Promise<WsPlayer> {
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token ?? (await tokenFor(player))}` }, perMessageDeflate: false });
    const p = new WsPlayer(player, socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    await p.next('welcome');
    return p;
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(frame: unknown): void {
    if (this.open) this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  next(type: string, where: (f: Frame) => boolean = () => true, timeoutMs = 10_000): Promise<Frame> {
    const match = (f: Frame): boolean => f.type === type && where(f);
    const i = this.inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]);
    if (this.#closedAt !== null) return Promise.reject(new Error(`${this.player}: socket closed (${this.#closedAt.code})`));
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(w);
          reject(new Error(`${this.player}: no "${type}" within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.#waiters.add(w);
    });
  }

  /** Joins; resolves with `joined` (its history) or rejects with the error frame's code. */
  async join(room: string, timeoutMs = 10_000): Promise<Frame> {
    const ref = `join-${room}-${Math.random().toString(36).slice(2)}`;
    this.send({ type: 'join', room, ref });
    const f = await Promise.race([this.next('joined', (x) => x.ref === ref, timeoutMs), this.next('error', (x) => x.ref === ref, timeoutMs)]);
    if (f.type === 'error') throw new Error(`${this.player}: join ${room} refused: ${f.code}`);
    return f;
  }

  /** Says `text` in `room`: 'said' when acknowledged, else the error code (or 'no answer'). */
  async say(room: string, text: string, timeoutMs = 12_000): Promise<string> {
    const ref = `say-${Math.random().toString(36).slice(2)}`;
    this.send({ type: 'say', room, text, ref });
    const said = this.next('said', (f) => f.room === room && f.line?.text === text, timeoutMs);
    const refused = this.next('error', (f) => f.ref === ref, timeoutMs);
    said.catch(() => undefined);
    refused.catch(() => undefined);
    return Promise.race([said.then(() => 'said'), refused.then((f) => String(f.code))]).catch(() => 'no answer');
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close();
    await Promise.race([this.closed, new Promise((r) => setTimeout(r, 2_000))]);
    this.socket.terminate();
  }
}
