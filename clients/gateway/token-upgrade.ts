import type { KeyObject } from 'node:crypto';
import type uWS from 'uWebSockets.js';
import { ProtocolErrors } from '../protocol/index.js';
import { verifyAccessToken } from '../tokens/index.js';
import type { SocketData } from './connection.js';
import type { EdgeLimits } from './edge-limits.js';

/** What the upgrade needs of its gateway; made once, not per upgrade. */
export interface UpgradeContext {
  /** The public access-token key. */
  readonly key: KeyObject;
  /** True once the gateway is shutting down: upgrades are then refused (503). */
  closing(): boolean;
  /** Counts a refused upgrade by its code. */
  refused(code: string): void;
  /** Connections per client address (and the limits every socket of this gateway shares). */
  readonly edge: EdgeLimits;
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
  const address = gateway.edge.clientAddress(Buffer.from(res.getRemoteAddressAsText()).toString(), req.getHeader('x-forwarded-for'));
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
    if (!gateway.edge.admit(address)) {
      const message = `at most ${gateway.edge.settings.maxConnectionsPerIp} connections per address`;
      return res.cork(() => refuseUpgrade(res, gateway, '429 Too Many Requests', ProtocolErrors.TOO_MANY_CONNECTIONS, message));
    }
    // Not inside res.cork: after an asynchronous upgrade, this uWS build's cork() reads the
    // finished response's state from memory the WebSocket now owns, and at random closes the new
    // socket right after its open (1006; uNetworking/uWebSockets.js#1108, fixed upstream in
    // uWebSockets#1929). The upgrade's 101 is one write; uncorked it costs nothing more.
    // Admitted: the connection's close releases the address (Connection.onClose).
    res.upgrade<SocketData>({ claims: check.claims, connection: null, address, edge: gateway.edge }, key, protocol, extensions, context);
  });
}

function refuseUpgrade(res: uWS.HttpResponse, gateway: UpgradeContext, status: string, code: string, message: string): void {
  gateway.refused(code);
  // Answered after an await (the token check): the connection is closed with the answer. A
  // kept-alive connection answered asynchronously made a WebSocket upgraded later on this uWS
  // build close right after its open (uNetworking/uWebSockets.js#1108).
  res.writeStatus(status).writeHeader('content-type', 'application/json').end(JSON.stringify({ code, message }), true);
}
