// The player web client on the gateway's HTTP server: `/app` (and `/app/`) answer the page,
// `/app/assets/<name>` the bundle's files, nothing else. The bundle is read once at mount; a path
// is looked up by exact name among those files, so `..`, encoded slashes or any other name is a 404.
import { createHash } from 'node:crypto';
import type uWS from 'uWebSockets.js';
import { findWebAppDir, loadWebBundle, type WebBundle } from './web-assets.js';

/**
 * No inline script or style, nothing from elsewhere: scripts, styles and the socket come from this
 * origin only (`connect-src 'self'` covers ws:/wss: of the same host in CSP 3 browsers).
 */
export const WEB_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface WebRoutesOptions {
  /** The bundle's directory; default findWebAppDir() (GLASS_WEB_DIR, else dist/app). */
  dir?: string | null;
}

interface Served {
  body: Buffer;
  type: string;
  cache: string;
  etag: string;
}

/** Mounts `/app` on a uWS app. Without a bundle (no build ran) the page answers 503 with how to make one. */
export function mountWebApp(app: uWS.TemplatedApp, options: WebRoutesOptions = {}): void {
  const dir = options.dir !== undefined ? options.dir : findWebAppDir();
  const bundle: WebBundle | null = dir === null ? null : loadWebBundle(dir);
  const index = bundle === null ? null : served(bundle.index, 'text/html; charset=utf-8', 'no-cache');
  const assets = new Map<string, Served>();
  for (const [name, asset] of bundle?.assets ?? []) assets.set(name, served(asset.body, asset.type, asset.immutable ? IMMUTABLE : 'no-cache'));

  const page = (res: uWS.HttpResponse, req: uWS.HttpRequest): void => {
    if (index === null) {
      securityHeaders(res.writeStatus('503 Service Unavailable')).writeHeader('content-type', 'text/plain; charset=utf-8').writeHeader('cache-control', 'no-store');
      return void res.end('The web client is not built: run npm run build (it bundles clients/web into dist/app), or set GLASS_WEB_DIR.\n');
    }
    answer(res, req, index);
  };
  app.get('/app', page);
  app.get('/app/', page);
  app.get('/app/assets/:file', (res, req) => {
    const file = assets.get(req.getParameter(0) ?? '');
    if (file === undefined) return void notFound(res);
    answer(res, req, file);
  });
  app.any('/app/*', (res) => notFound(res));
}

function served(body: Buffer, type: string, cache: string): Served {
  return { body, type, cache, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

function answer(res: uWS.HttpResponse, req: uWS.HttpRequest, file: Served): void {
  const fresh = req.getHeader('if-none-match') === file.etag;
  res.cork(() => {
    res.writeStatus(fresh ? '304 Not Modified' : '200 OK');
    securityHeaders(res).writeHeader('content-type', file.type).writeHeader('cache-control', file.cache).writeHeader('etag', file.etag);
    if (fresh) res.endWithoutBody();
    else res.end(file.body);
  });
}

function notFound(res: uWS.HttpResponse): void {
  res.cork(() => securityHeaders(res.writeStatus('404 Not Found')).writeHeader('content-type', 'text/plain; charset=utf-8').writeHeader('cache-control', 'no-store').end('not found\n'));
}

function securityHeaders(res: uWS.HttpResponse): uWS.HttpResponse {
  return res
    .writeHeader('content-security-policy', WEB_CSP)
    .writeHeader('x-content-type-options', 'nosniff')
    .writeHeader('referrer-policy', 'no-referrer')
    .writeHeader('x-frame-options', 'DENY');
}
