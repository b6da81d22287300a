// The peer of the rooms scenario, in a process of its own so that its CPU time is its alone: a
// Colyseus 0.16 server (bench/peers) with one Colyseus room per game room. Players joinOrCreate
// the room type `room` with the game room's name as a filter (Colyseus's matchmaker creates each
// room once, for the first player, and seats the others in it); a `say` message is broadcast to
// every member, the sender included, as a `said` message of the gateway's shape
// ({room, line: {seq, from, text, at}}). No schema state, no persistence. The transport is
// Colyseus's WebSocket transport (the `ws` package on a Node http server) or its uWebSockets.js
// transport (on the same uWS build as the runtime's gateway).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  COLYSEUS_ROOM_TYPE,
  PEER_TRANSPORTS,
  loadColyseusCore,
  loadColyseusUwsTransport,
  loadColyseusWsTransport,
  loadPeerUws,
  type ColyseusClient,
  type ColyseusRoomClass,
  type ColyseusServer,
  type PeerTransport,
} from './colyseus-api.js';
import { serve } from './ipc.js';

export interface PeerServerStart {
  transport: PeerTransport;
}

interface JoinOptions {
  room?: unknown;
  player?: unknown;
}

/** The Colyseus room class of one game room, on the loaded @colyseus/core's Room. */
function gameRoom(Base: ColyseusRoomClass) {
  return class GameRoom extends Base {
    #name = '';
    #seq = 0;

    onCreate(options: JoinOptions): void {
      this.#name = String(options.room);
      this.onMessage('say', (client, message) => this.#say(client, message));
    }

    onJoin(client: ColyseusClient, options: JoinOptions): void {
      client.userData = String(options.player);
    }

    #say(client: ColyseusClient, message: unknown): void {
      const text = (message as { text?: unknown } | null)?.text;
      if (typeof text !== 'string') return;
      this.#seq++;
      this.broadcast('said', { room: this.#name, line: { seq: this.#seq, from: client.userData, text, at: Date.now() } });
    }
  };
}

let server: ColyseusServer | null = null;

async function listenWs(): Promise<{ server: ColyseusServer; port: number }> {
  const [{ Server, Room }, { WebSocketTransport }] = await Promise.all([loadColyseusCore(), loadColyseusWsTransport()]);
  const http = createServer();
  const s = new Server({ transport: new WebSocketTransport({ server: http }), greet: false, gracefullyShutdown: false });
  s.define(COLYSEUS_ROOM_TYPE, gameRoom(Room)).filterBy(['room']);
  await s.listen(0, '127.0.0.1');
  return { server: s, port: (http.address() as AddressInfo).port };
}

async function listenUws(): Promise<{ server: ColyseusServer; port: number }> {
  const [{ Server, Room }, { uWebSocketsTransport }, uws] = await Promise.all([loadColyseusCore(), loadColyseusUwsTransport(), loadPeerUws()]);
  const transport = new uWebSocketsTransport();
  const s = new Server({ transport, greet: false, gracefullyShutdown: false });
  s.define(COLYSEUS_ROOM_TYPE, gameRoom(Room)).filterBy(['room']);
  // The uWS transport listens on every interface of the port it is given (its listen ignores the
  // hostname); port 0 lets the system choose, read back from its listen socket.
  await s.listen(0);
  if (transport._listeningSocket === undefined || transport._listeningSocket === false) throw new Error('the Colyseus uWS transport could not listen');
  return { server: s, port: uws.us_socket_local_port(transport._listeningSocket) };
}

serve({
  async start(a: PeerServerStart) {
    if (server !== null) throw new Error('already started');
    if (!PEER_TRANSPORTS.includes(a.transport)) throw new RangeError(`transport must be one of ${PEER_TRANSPORTS.join(', ')} (received ${String(a.transport)})`);
    const started = a.transport === 'uws' ? await listenUws() : await listenWs();
    server = started.server;
    return { port: started.port, pid: process.pid };
  },

  async close() {
    await server?.gracefullyShutdown(false);
    server = null;
    setImmediate(() => process.exit(0));
  },
});
