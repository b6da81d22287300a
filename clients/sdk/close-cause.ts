// What a closed link means to the app: the typed error a close code (or a refused upgrade) becomes.
import { CloseCodes, ProtocolErrors } from '../protocol/index.js';
import { ClientErrors, GlassClientError } from './errors.js';
import type { LinkClosed } from './socket.js';

export function closeCause(info: LinkClosed, tokenRenewable: boolean): GlassClientError {
  const details = { closeCode: info.code, upgradeStatus: info.upgradeStatus };
  if (info.code === CloseCodes.REPLACED) return new GlassClientError(ProtocolErrors.REPLACED, 'this player connected again elsewhere on this node', details);
  if (info.code === CloseCodes.TOKEN_EXPIRED) {
    const message = tokenRenewable ? 'the access token expired' : 'the access token expired and is a fixed string: pass a token function to renew it';
    return new GlassClientError(ProtocolErrors.TOKEN_EXPIRED, message, details);
  }
  if (info.code === CloseCodes.SLOW_CONSUMER) return new GlassClientError(ProtocolErrors.SLOW_CONSUMER, 'the server closed a connection that read too slowly', details);
  if (info.upgradeStatus === 401) {
    return new GlassClientError(tokenRenewable ? ClientErrors.CONNECT_FAILED : ClientErrors.TOKEN_REFUSED, 'the gateway refused the access token (HTTP 401)', details);
  }
  const why = info.reason === '' ? `close code ${info.code}` : `close code ${info.code}: ${info.reason}`;
  return new GlassClientError(ClientErrors.CONNECTION_LOST, `the connection closed (${why})`, details);
}
