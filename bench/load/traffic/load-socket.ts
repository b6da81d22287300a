// The WebSocket of a simulated player or moderator: opened with its access token, each frame
// parsed once (an unparsable one counts as BAD_FRAME), a refused upgrade counted as HTTP_<status>.
// A socket error is reported by the close that follows it.
import WebSocket from 'ws';
import type { BackoffPolicy } from '../../../supervisors/index.js';

/**
 * Wait before a simulated client tries again (a reconnect after an unexpected close or a refused
 * connection, a refused join). Fixed, min = max without jitter: the offered load comes back as
 * soon as a gateway takes it, so that a fault's recovery time is the server's, not a growing wait
 * of the harness.
 */
export const LOAD_RETRY: BackoffPolicy = { minMs: 250, maxMs: 250, randomFactor: 0 };

export interface LoadSocketHandlers {
  /** A parsed server frame (read loosely: the bench trusts its server's shapes), and when it arrived (before the parse). */
  frame(f: any, receivedAt: number): void;
  close(code: number): void;
  error(code: string): void;
}

export function openLoadSocket(url: string, token: string, on: LoadSocketHandlers): WebSocket {
  const ws = new WebSocket(`${url}?token=${encodeURIComponent(token)}`, { perMessageDeflate: false });
  ws.on('message', (data) => {
    const receivedAt = performance.now();
    let f: unknown;
    try {
      f = JSON.parse(data.toString());
    } catch {
      return on.error('BAD_FRAME');
    }
    on.frame(f, receivedAt);
  });
  ws.on('unexpected-response', (_req, res) => {
    on.error(`HTTP_${res.statusCode}`);
    ws.terminate();
  });
  ws.on('error', () => undefined);
  ws.on('close', (code) => on.close(code));
  return ws;
}
