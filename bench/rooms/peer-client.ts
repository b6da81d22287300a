// A player of the rooms scenario on the peer (peer-server.ts): a colyseus.js 0.16 client from
// bench/peers. Node 20 has no global WebSocket; colyseus.js then opens its socket with the `ws`
// package it depends on. Each player joinOrCreates the Colyseus room type with its game room's
// name as the filter, says with `room.send('say', {room, text})` and receives `said` messages
// (msgpack-decoded by colyseus.js) of the gateway's shape {room, line: {seq, from, text, at}}.
import { COLYSEUS_ROOM_TYPE, loadColyseusJs, type ColyseusClientRoom, type ColyseusJs } from './colyseus-api.js';
import type { LoadEvents, LoadPlayer, PlayerSpec } from './load-player.js';

interface SaidMessage {
  line?: { from?: unknown; text?: unknown };
}

class ColyseusPlayer implements LoadPlayer {
  readonly player: string;
  readonly room: string;
  readonly #room: ColyseusClientRoom;
  nextAt = 0;

  constructor(room: ColyseusClientRoom, spec: PlayerSpec) {
    this.#room = room;
    this.player = spec.player;
    this.room = spec.room;
  }

  say(text: string): void {
    this.#room.send('say', { room: this.room, text });
  }

  terminate(): void {
    this.#room.connection.close();
  }
}

let colyseus: Promise<ColyseusJs> | null = null;

/**
 * Joins the player's room on the Colyseus server at `url` (ws://host:port; colyseus.js does the
 * matchmaking over HTTP there, then opens the room's socket) and resolves with the joined player;
 * rejects when the matchmaker or the room refuses, or after `timeoutMs`.
 */
export async function connectColyseusPlayer(url: string, spec: PlayerSpec, timeoutMs: number, events: LoadEvents): Promise<LoadPlayer> {
  colyseus ??= loadColyseusJs();
  const { Client } = await colyseus;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${spec.player}: not joined to the Colyseus room ${spec.room} within ${timeoutMs} ms`)), timeoutMs);
  });
  let room: ColyseusClientRoom;
  try {
    room = await Promise.race([new Client(url).joinOrCreate(COLYSEUS_ROOM_TYPE, { room: spec.room, player: spec.player }), timeout]);
  } catch (err) {
    throw new Error(`${spec.player}: joinOrCreate of the Colyseus room ${spec.room} failed: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  const player = new ColyseusPlayer(room, spec);
  room.onMessage('said', (message) => {
    const line = (message as SaidMessage).line;
    events.said(player.player, String(line?.from), String(line?.text));
  });
  room.onError((code) => events.error(`colyseus ${code}`));
  room.onLeave((code) => events.closed(code));
  return player;
}
