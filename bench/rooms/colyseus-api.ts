// The parts of Colyseus 0.16 (server: @colyseus/core and its two transports; client: colyseus.js)
// that the rooms scenario's peer side uses, declared here so that the root build needs no Colyseus
// types, and loaded from bench/peers at run time (peer-packages.ts).
import type { Server as HttpServer } from 'node:http';
import { loadPeerPackage } from './peer-packages.js';

/** Colyseus's transports the peer server can run on: `ws` (its default) or `uws`. */
export const PEER_TRANSPORTS = ['ws', 'uws'] as const;
export type PeerTransport = (typeof PEER_TRANSPORTS)[number];

/** The Colyseus room type players join, with the game room's name as its filter (`room`). */
export const COLYSEUS_ROOM_TYPE = 'room';

/** A connected client as a Colyseus room sees it. */
export interface ColyseusClient {
  readonly sessionId: string;
  userData: unknown;
}

/** What a room subclass calls on its Colyseus base (Room of @colyseus/core). */
export interface ColyseusRoom {
  roomId: string;
  autoDispose: boolean;
  onMessage(type: string, callback: (client: ColyseusClient, message: unknown) => void): unknown;
  broadcast(type: string, message: unknown): void;
}

export type ColyseusRoomClass = abstract new () => ColyseusRoom;

export interface ColyseusServer {
  readonly transport: unknown;
  define(name: string, room: new () => ColyseusRoom): { filterBy(keys: string[]): unknown };
  listen(port: number, hostname?: string): Promise<void>;
  gracefullyShutdown(exit?: boolean): Promise<void>;
}

export interface ColyseusCore {
  Server: new (options: { transport: unknown; greet?: boolean; gracefullyShutdown?: boolean }) => ColyseusServer;
  Room: ColyseusRoomClass;
}

/** @colyseus/ws-transport: the `ws` package on a Node http server. */
export interface ColyseusWsTransportModule {
  WebSocketTransport: new (options: { server: HttpServer }) => unknown;
}

/** @colyseus/uwebsockets-transport; `_listeningSocket` is private to it, read for the port chosen. */
export interface ColyseusUwsTransportModule {
  uWebSocketsTransport: new () => { _listeningSocket?: unknown };
}

/** The bits of uWebSockets.js (bench/peers' copy, the one the transport loaded) used for the port. */
export interface PeerUws {
  us_socket_local_port(socket: unknown): number;
}

/** A joined room on the client side (colyseus.js Room). */
export interface ColyseusClientRoom {
  readonly roomId: string;
  readonly sessionId: string;
  onMessage(type: string, callback: (message: unknown) => void): unknown;
  onLeave(callback: (code: number, reason?: string) => void): unknown;
  onError(callback: (code: number, message?: string) => void): unknown;
  send(type: string, message: unknown): void;
  readonly connection: { close(code?: number, reason?: string): void };
}

export interface ColyseusJs {
  Client: new (endpoint: string) => { joinOrCreate(roomName: string, options: Record<string, unknown>): Promise<ColyseusClientRoom> };
}

export const loadColyseusCore = (): Promise<ColyseusCore> => loadPeerPackage<ColyseusCore>('@colyseus/core');
export const loadColyseusWsTransport = (): Promise<ColyseusWsTransportModule> => loadPeerPackage<ColyseusWsTransportModule>('@colyseus/ws-transport');
export const loadColyseusUwsTransport = (): Promise<ColyseusUwsTransportModule> => loadPeerPackage<ColyseusUwsTransportModule>('@colyseus/uwebsockets-transport');
export const loadPeerUws = (): Promise<PeerUws> => loadPeerPackage<PeerUws>('uWebSockets.js');
export const loadColyseusJs = (): Promise<ColyseusJs> => loadPeerPackage<ColyseusJs>('colyseus.js');
