import type { KeyObject } from 'node:crypto';
import type uWS from 'uWebSockets.js';
import { ProtocolErrors } from '../protocol/index.js';
import { verifyAccessToken } from '../tokens/index.js';
import type { SocketData } from './connection.js';

/** What the upgrade needs of its gateway; made once, not per upgrade. */
export interface UpgradeContext {
  /** The public access-token key. */
  readonly key: KeyObject;
  /** True once the gateway is shutting down: upgrades are then refused (503). */
  closing(): boolean;
  /** Counts a refused upgrade by its code. */
  refused(code: string): void;
}

/**
 * Verifies the access token (`Authorization: Bearer …`, else `?token=`) before upgrading. The
 * token is never logged. Verification is asynchronous, so the request's headers are read first.
 */
export function upgradeWithToken(res: uWS.HttpResponse, req: uWS.HttpRequest, context: uWS.us_socket_context_t, gateway: UpgradeContext): void {
  const key = req.getHeader('sec-websocket-key');
  const protocol = req.getHeader('sec-websocket-protocol');
  const extensions = req.getHeader('sec-websocket-extensions');
  const auth = req.getHeader('authorization');
  // getQuery(key) is typed string but is undefined when absent in some uWS builds.
  const token = auth.startsWith('Bearer ') ? auth.slice(7).trim() : (req.getQuery('token') ?? '');
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  verifyAccessToken(gateway.key, token).then((check) => {
    if (aborted) return;
    if (gateway.closing()) return res.cork(() => refuseUpgrade(res, gateway, '503 Service Unavailable', ProtocolErrors.NODE_CLOSED, 'the server is shutting down'));
    if (!check.ok) return res.cork(() => refuseUpgrade(res, gateway, '401 Unauthorized', check.code, check.message));
    // Not inside res.cork: after an asynchronous upgrade, this uWS build's cork() reads the
    // finished response's state from memory the WebSocket now owns, and at random closes the new
    // socket right after its open (1006; uNetworking/uWebSockets.js#1108, fixed upstream in
    // uWebSockets#1929). The upgrade's 101 is one write; uncorked it costs nothing more.
    res.upgrade<SocketData>({ claims: check.claims, connection: null }, key, protocol, extensions, context);
  });
}

function refuseUpgrade(res: uWS.HttpResponse, gateway: UpgradeContext, status: string, code: string, message: string): void {
  gateway.refused(code);
  // Answered after an await (the token check): the connection is closed with the answer. A
  // kept-alive connection answered asynchronously made a WebSocket upgraded later on this uWS
  // build close right after its open (uNetworking/uWebSockets.js#1108).
  res.writeStatus(status).writeHeader('content-type', 'application/json').end(JSON.stringify({ code, message }), true);
}
