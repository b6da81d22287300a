// The player SDK: a WebSocket client of the Glass gateway for browsers and Node (docs/SDK.md).
// Browser-safe: it imports no Node module, only the protocol's schemas (zod) and the WHATWG WebSocket.
export { GlassClient } from './client.js';
export { ClientErrors, GlassClientError, type ClientErrorCode, type GlassClientErrorCode, type GlassClientErrorDetails } from './errors.js';
export type { ClientState, GlassClientEventName, GlassClientEvents, Listener, ResyncReason, RoomLine, RoomSnapshot, Welcome } from './events.js';
export type { GlassClientOptions } from './options.js';
export type { SearchHit, SearchOptions } from './search.js';
export { historyPages, type HistoryOptions, type HistoryPageOf, type HistoryTarget, type TranscriptEntry } from './history.js';
export { DEFAULT_RECONNECT, reconnectDelay, type ReconnectPolicy } from './backoff.js';
export { realScheduler, type Scheduler, type TimerPurpose } from './scheduler.js';
export type { TokenSource, UrlSource } from './endpoint.js';
export type { SocketEvent, WebSocketConstructor, WebSocketLike } from './socket.js';
export { CloseCodes, PROTOCOL_VERSION, ProtocolErrors, type ProtocolErrorCode } from '../protocol/index.js';
