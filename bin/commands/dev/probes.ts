// Is a service of the topology up? One probe per kind, each bounded by a timeout: a node answers
// /readyz with 200, Caddy answers /healthz through the edge (TLS from its own CA: not verified here),
// Prometheus /-/ready, Redis PING, CouchDB its root, PostgreSQL accepts a connection.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { pidAlive, type DevService } from './state-file.js';

const PROBE_TIMEOUT_MS = 2_000;

export interface ProbeResult {
  readonly up: boolean;
  readonly detail: string;
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** A GET; null when nothing answers within the timeout. https is not verified (Caddy's internal CA). */
export function httpGet(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<HttpAnswer | null> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(u, { method: 'GET', rejectUnauthorized: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body = (body + c).slice(0, 4_096)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve(null));
    });
    req.on('error', () => resolve(null));
    req.setTimeout(timeoutMs, () => req.destroy());
    req.end();
  });
}

/** Connects, optionally writes `send`, resolves with what came back first ('' if nothing was sent); null if refused. */
function tcpExchange(port: number, send: string | null, timeoutMs = PROBE_TIMEOUT_MS): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (answer: string | null): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(null));
    socket.once('error', () => done(null));
    socket.once('connect', () => {
      if (send === null) done('');
      else socket.write(send);
    });
    socket.once('data', (chunk) => done(chunk.toString('utf8')));
  });
}

/** What the probe of `service` sees now. */
export async function probe(service: DevService): Promise<ProbeResult> {
  // What the supervisor knows first: a service it gave up on, or one it is bringing back.
  if (service.state === 'failed') return { up: false, detail: `failed: given up after ${service.restarts ?? 0} restarts` };
  if (service.state === 'restarting') return { up: false, detail: `restarting (restart ${service.restarts ?? 0})` };
  // pid 0: a service from outside (REDIS_URL, COUCHDB_URL, GLASS_PG_URL), probed by its port only.
  if (service.pid !== 0 && !pidAlive(service.pid)) return { up: false, detail: `process ${service.pid} is gone` };
  switch (service.kind) {
    case 'node': {
      const r = await httpGet(`${service.url}/readyz`);
      if (r === null) return { up: false, detail: 'no answer on /readyz' };
      return r.status === 200 ? { up: true, detail: 'ready' } : { up: false, detail: `/readyz ${r.status} ${r.body.slice(0, 120)}` };
    }
    case 'caddy': {
      const r = await httpGet(`${service.url}/healthz`);
      if (r === null) return { up: false, detail: 'no answer' };
      return r.status === 200 ? { up: true, detail: `a node answers (${nodeOf(r.body)})` } : { up: false, detail: `/healthz through the edge: ${r.status}` };
    }
    case 'prometheus': {
      const r = await httpGet(`${service.url}/-/ready`);
      return r?.status === 200 ? { up: true, detail: 'ready' } : { up: false, detail: r === null ? 'no answer' : `/-/ready ${r.status}` };
    }
    case 'couch': {
      const r = await httpGet(service.url);
      return r === null ? { up: false, detail: 'no answer' } : { up: true, detail: `answers (${r.status})` };
    }
    case 'redis': {
      const answer = await tcpExchange(service.port, 'PING\r\n');
      return answer?.startsWith('+PONG') === true || answer?.startsWith('-NOAUTH') === true ? { up: true, detail: 'PONG' } : { up: false, detail: answer === null ? 'no answer' : answer.trim().slice(0, 80) };
    }
    case 'postgres': {
      const answer = await tcpExchange(service.port, null);
      return answer === null ? { up: false, detail: 'refuses connections' } : { up: true, detail: 'accepts connections' };
    }
  }
}

function nodeOf(body: string): string {
  try {
    return String((JSON.parse(body) as { node?: unknown }).node ?? '?');
  } catch {
    return '?';
  }
}

/** Columns padded to their widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
