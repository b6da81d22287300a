// The baseline of the rooms scenario, in a process of its own: a bare uWS pub/sub relay. A socket
// names its player in the query string (no token), `join` subscribes it to the room's topic and is
// answered `joined`, and each `say` is published to the room as the same `said` frame the gateway
// sends (room seq, sender, text, server time), the sender included. Nothing else: no tokens, no
// validation, no rate limit, no actors, no history, no persistence.
import uWS from 'uWebSockets.js';
import { serve } from './ipc.js';

interface SocketData {
  player: string;
}

let app: uWS.TemplatedApp | null = null;
let listenSocket: uWS.us_listen_socket | null = null;
const seqs = new Map<string, number>();
const decoder = new TextDecoder();

serve({
  start() {
    if (app !== null) throw new Error('already started');
    const a = uWS.App();
    app = a;
    a.ws<SocketData>('/ws', {
      maxPayloadLength: 64 * 1024,
      maxBackpressure: 4 * 1024 * 1024,
      idleTimeout: 120,
      upgrade: (res, req, context) => {
        const player = req.getQuery('player') ?? '';
        res.upgrade<SocketData>({ player }, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
      },
      message: (ws, message) => {
        let frame: { type?: unknown; room?: unknown; text?: unknown };
        try {
          frame = JSON.parse(decoder.decode(message)) as typeof frame;
        } catch {
          return;
        }
        if (typeof frame.room !== 'string') return;
        const topic = 'room:' + frame.room;
        if (frame.type === 'say') {
          const seq = (seqs.get(frame.room) ?? 0) + 1;
          seqs.set(frame.room, seq);
          const line = { seq, from: ws.getUserData().player, text: frame.text, at: Date.now() };
          a.publish(topic, JSON.stringify({ type: 'said', room: frame.room, line }));
        } else if (frame.type === 'join') {
          ws.subscribe(topic);
          ws.send(JSON.stringify({ type: 'joined', room: frame.room, members: [], history: [], seq: seqs.get(frame.room) ?? 0 }));
        }
      },
    });
    return new Promise((resolve, reject) => {
      a.listen('127.0.0.1', 0, (socket) => {
        if (socket === false) return reject(new Error('the baseline could not listen'));
        listenSocket = socket;
        resolve({ port: uWS.us_socket_local_port(socket as unknown as uWS.us_socket), pid: process.pid });
      });
    });
  },

  close() {
    if (listenSocket !== null) uWS.us_listen_socket_close(listenSocket);
    listenSocket = null;
    (app as unknown as { close?: () => void } | null)?.close?.();
    app = null;
    setImmediate(() => process.exit(0));
  },
});
