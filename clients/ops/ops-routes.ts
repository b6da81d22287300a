import type { KeyObject } from 'node:crypto';
import uWS from 'uWebSockets.js';
import { z } from 'zod';
import { GlassError, type Logger } from '../../runtime/index.js';
import { type GlassNode } from '../../runtime/node/index.js';
import { verifyAccessToken, type AccessClaims } from '../tokens/index.js';
import { OpsErrors, ProtocolErrors } from '../protocol/index.js';
import { OPS_PAGE_FILES, loadOpsPage, type OpsPageFile } from './ops-page-assets.js';
import { OpsService, type OpsServiceOptions } from './ops-service.js';
import type { ClusterView } from './ops-view.js';
import type { OpsRefusalHook } from './ops-audit.js';

export interface OpsRoutesOptions extends OpsServiceOptions {
  node: GlassNode;
  /** The public key access tokens are verified with (the gateway's). */
  key: KeyObject;
  log: Logger;
}

/** Bytes of unsent view frames above which a watcher skips a refresh (it gets the next one). */
const WATCH_SOFT_LIMIT = 4 * 1024 * 1024;
const MAX_BODY_BYTES = 4 * 1024;

const ActorsQuery = z.object({
  node: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/),
  thread: z.coerce.number().int().min(1).max(256),
  kind: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  q: z.string().max(256).optional(),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const SearchQuery = z.object({ q: z.string().min(1).max(256), limit: z.coerce.number().int().min(1).max(500).default(100) });
const TopQuery = z.object({ sort: z.enum(['mailbox', 'restarts']).default('mailbox'), limit: z.coerce.number().int().min(1).max(500).default(20) });
const PreviewQuery = z.object({ node: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/) });

interface OpsSocket {
  claims: AccessClaims;
  off: (() => void) | null;
  expiry: NodeJS.Timeout | null;
}

type Authorised = { ok: true; claims: AccessClaims } | { ok: false; status: string; code: string; message: string; claims: AccessClaims | null };

/** What a request carries for authorisation, read while it is current. */
interface RequestAuth {
  token: string;
  path: string;
}

/** Codes of a refused action (the request was understood and said no to), audited as refusals. */
const REFUSED_ACTION_CODES: ReadonlySet<string> = new Set([OpsErrors.INVALID_REQUEST, OpsErrors.NOT_FOUND, OpsErrors.UNKNOWN_NODE, OpsErrors.NO_PEERS, ProtocolErrors.INVALID_ADDRESS]);

/**
 * The ops surface on the gateway's uWS app: the page (`/ops`), its live feed (`/ops/ws`), the
 * JSON API the page and `glass ops` use (`/ops/api/…`), and `/metrics`. Everything but the page's
 * static files needs an access token with the `ops` role (Authorization: Bearer, or `?token=`).
 */
export class OpsRoutes {
  readonly service: OpsService;
  readonly #key: KeyObject;
  readonly #log: Logger;
  readonly #sockets = new Set<uWS.WebSocket<OpsSocket>>();
  #page: Record<OpsPageFile, Buffer> | null = null;
  #refusals: OpsRefusalHook | null = null;

  constructor(app: uWS.TemplatedApp, options: OpsRoutesOptions) {
    this.#key = options.key;
    this.#log = options.log;
    this.service = new OpsService(options.node, { ...options, key: options.key });
    this.#mount(app);
  }

  /** Where refused requests (401, 403, refused actions) are audited; without one they are only counted. */
  setRefusalAudit(hook: OpsRefusalHook | null): void {
    this.#refusals = hook;
    this.service.setRefusalAudit(hook);
  }

  close(): void {
    for (const ws of [...this.#sockets]) ws.end(1001, 'server shutting down');
    this.#sockets.clear();
    this.service.close();
  }

  #mount(app: uWS.TemplatedApp): void {
    app.get('/ops', (res, req) => {
      const auth = readAuth(req);
      this.#handle(res, auth, async () => ({ status: '200 OK', type: OPS_PAGE_FILES['index.html'], body: this.#file('index.html') }));
    });
    app.get('/ops/assets/:file', (res, req) => {
      const name = req.getParameter(0) as OpsPageFile;
      // Own keys only: `in` also finds Object.prototype's (constructor, toString …), whose lookup then threw.
      if (name === 'index.html' || !Object.hasOwn(OPS_PAGE_FILES, name)) return void res.writeStatus('404 Not Found').end();
      res.writeHeader('content-type', OPS_PAGE_FILES[name]).writeHeader('cache-control', 'no-cache').end(this.#file(name));
    });
    app.get('/ops/api/view', (res, req) => this.#json(res, readAuth(req), () => this.service.view()));
    app.get('/ops/api/actors', (res, req) => {
      const query = readQuery(req);
      this.#json(res, readAuth(req), () => {
        const q = parse(ActorsQuery, query);
        return this.service.actors(q.node, q.thread, { kind: q.kind, q: q.q, offset: q.offset, limit: q.limit });
      });
    });
    app.get('/ops/api/search', (res, req) => {
      const query = readQuery(req);
      this.#json(res, readAuth(req), () => {
        const q = parse(SearchQuery, query);
        return this.service.search(q.q, q.limit);
      });
    });
    app.get('/ops/api/top', (res, req) => {
      const query = readQuery(req);
      this.#json(res, readAuth(req), async () => {
        const q = parse(TopQuery, query);
        const view = await this.service.view();
        return { at: view.at, sort: q.sort, actors: OpsService.top(view, q.sort, q.limit), view };
      });
    });
    app.get('/ops/api/drain-preview', (res, req) => {
      const query = readQuery(req);
      this.#json(res, readAuth(req), () => this.service.drainPreview(parse(PreviewQuery, query).node));
    });
    app.post('/ops/api/actions', (res, req) => {
      const auth = readAuth(req);
      const body = readBody(res);
      // Rejected (too large) before it is awaited must not count as an unhandled rejection.
      body.catch(() => {});
      this.#json(res, auth, async (claims) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse((await body).toString('utf8'));
        } catch (err) {
          if (err instanceof GlassError) throw err;
          throw new GlassError(OpsErrors.INVALID_REQUEST, 'the body must be a JSON object');
        }
        // The token verified for this request travels with an action for another node, which verifies it itself.
        return this.service.act(parsed, { player: claims.player, character: claims.character, roles: claims.roles }, auth.token);
      });
    });
    app.get('/metrics', (res, req) => {
      this.#handle(res, readAuth(req), async () => {
        await this.service.report();
        return { status: '200 OK', type: this.service.metrics.contentType, body: await this.service.metrics.text() };
      });
    });
    app.ws<OpsSocket>('/ops/ws', {
      maxPayloadLength: 4 * 1024,
      maxBackpressure: WATCH_SOFT_LIMIT * 2,
      idleTimeout: 120,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => this.#upgrade(res, req, context),
      open: (ws) => this.#open(ws),
      message: () => {},
      close: (ws) => {
        const data = ws.getUserData();
        data.off?.();
        if (data.expiry !== null) clearTimeout(data.expiry);
        this.#sockets.delete(ws);
      },
    });
  }

  #file(name: OpsPageFile): Buffer {
    this.#page ??= loadOpsPage();
    return this.#page[name];
  }

  async #authorise(auth: RequestAuth, address: string): Promise<Authorised> {
    const check = await verifyAccessToken(this.#key, auth.token);
    const refused: Authorised = !check.ok
      ? { ok: false, status: '401 Unauthorized', code: check.code, message: check.message, claims: null }
      : !check.claims.roles.includes('ops')
        ? { ok: false, status: '403 Forbidden', code: OpsErrors.FORBIDDEN, message: 'this needs the ops role', claims: check.claims }
        : { ok: true, claims: check.claims };
    if (!refused.ok) await this.#refused(refused.claims, address, auth.path, refused.code);
    return refused;
  }

  /** Audits a refused request (within the caller's bound); never rejects. */
  async #refused(claims: AccessClaims | null, address: string, path: string, code: string): Promise<void> {
    await this.#refusals?.({ player: claims?.player ?? null, roles: claims?.roles ?? [], address }, path, code).catch(() => {});
  }

  /** Authorises, runs `work`, writes its result; every failure is a JSON error with a stable code. */
  #handle(res: uWS.HttpResponse, auth: RequestAuth, work: (claims: AccessClaims) => Promise<{ status: string; type: string; body: string | Buffer }>): void {
    const address = addressOf(res);
    let claims: AccessClaims | null = null;
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const write = (status: string, type: string, body: string | Buffer): void => {
      if (aborted) return;
      // Answered asynchronously: the connection is closed with the answer. A kept-alive connection
      // answered later made a WebSocket upgraded afterwards on this uWS build close at once
      // (uNetworking/uWebSockets.js#1108; seen by the moderation API's tests).
      res.cork(() => {
        res.writeStatus(status).writeHeader('content-type', type).writeHeader('cache-control', 'no-store').end(body, true);
      });
    };
    this.#authorise(auth, address)
      .then(async (a) => {
        if (!a.ok) return write(a.status, 'application/json', JSON.stringify({ code: a.code, message: a.message }));
        claims = a.claims;
        const out = await work(a.claims);
        write(out.status, out.type, out.body);
      })
      .catch(async (err: unknown) => {
        const code = err instanceof GlassError ? err.code : ProtocolErrors.INTERNAL;
        const message = err instanceof Error ? err.message : String(err);
        if (!(err instanceof GlassError)) this.#log.error({ err: message }, 'ops request failed');
        if (claims !== null && auth.path === '/ops/api/actions' && REFUSED_ACTION_CODES.has(code)) await this.#refused(claims, address, auth.path, code);
        write(statusOf(code), 'application/json', JSON.stringify({ code, message }));
      });
  }

  #json(res: uWS.HttpResponse, auth: RequestAuth, work: (claims: AccessClaims) => Promise<unknown> | unknown): void {
    this.#handle(res, auth, async (claims) => ({ status: '200 OK', type: 'application/json', body: JSON.stringify(await work(claims)) }));
  }

  #upgrade(res: uWS.HttpResponse, req: uWS.HttpRequest, context: uWS.us_socket_context_t): void {
    const key = req.getHeader('sec-websocket-key');
    const protocol = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    const auth = readAuth(req);
    const address = addressOf(res);
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    void this.#authorise(auth, address).then((a) => {
      if (aborted) return;
      res.cork(() => {
        // Answered asynchronously: closed with the answer (see #handle).
        if (!a.ok) return void res.writeStatus(a.status).writeHeader('content-type', 'application/json').end(JSON.stringify({ code: a.code, message: a.message }), true);
        res.upgrade<OpsSocket>({ claims: a.claims, off: null, expiry: null }, key, protocol, extensions, context);
      });
    });
  }

  #open(ws: uWS.WebSocket<OpsSocket>): void {
    this.#sockets.add(ws);
    const data = ws.getUserData();
    let open = true;
    const send = (view: ClusterView): void => {
      if (!open || ws.getBufferedAmount() > WATCH_SOFT_LIMIT) return;
      ws.send(JSON.stringify({ type: 'view', view }));
    };
    const off = this.service.watch(send);
    data.off = () => {
      open = false;
      off();
    };
    data.expiry = setTimeout(() => open && ws.end(4401, 'token expired'), Math.max(0, data.claims.expiresAt - Date.now()));
    data.expiry.unref();
    this.service.view().then(send, () => {});
  }
}

function readAuth(req: uWS.HttpRequest): RequestAuth {
  const header = req.getHeader('authorization');
  const path = req.getUrl();
  if (header.startsWith('Bearer ')) return { token: header.slice(7).trim(), path };
  return { token: new URLSearchParams(req.getQuery() ?? '').get('token') ?? '', path };
}

/** The peer's address as text (read while the request is current). */
function addressOf(res: uWS.HttpResponse): string {
  return Buffer.from(res.getRemoteAddressAsText()).toString('utf8');
}

function readQuery(req: uWS.HttpRequest): Record<string, string> {
  const params = new URLSearchParams(req.getQuery() ?? '');
  params.delete('token');
  return Object.fromEntries(params);
}

function readBody(res: uWS.HttpResponse): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let body = Buffer.alloc(0);
    res.onData((chunk, isLast) => {
      // uWS reuses the chunk's memory after the callback: concat copies it.
      body = Buffer.concat([body, Buffer.from(chunk)]);
      if (body.length > MAX_BODY_BYTES) reject(new GlassError(OpsErrors.INVALID_REQUEST, `the body is over ${MAX_BODY_BYTES} bytes`));
      else if (isLast) resolve(body);
    });
  });
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new GlassError(OpsErrors.INVALID_REQUEST, parsed.error.issues.map((i) => `${i.path.join('.') || '(query)'}: ${i.message}`).join('; '));
  return parsed.data;
}

function statusOf(code: string): string {
  switch (code) {
    // Refused by the node an action was forwarded to (it verifies the operator's token itself).
    case ProtocolErrors.TOKEN_MISSING:
    case ProtocolErrors.TOKEN_INVALID:
    case ProtocolErrors.TOKEN_EXPIRED:
    case ProtocolErrors.TOKEN_NOT_YET_VALID:
    case ProtocolErrors.TOKEN_LIFETIME:
      return '401 Unauthorized';
    case OpsErrors.FORBIDDEN:
      return '403 Forbidden';
    case OpsErrors.INVALID_REQUEST:
    case ProtocolErrors.INVALID_ADDRESS:
    case ProtocolErrors.INVALID_OPTION:
      return '400 Bad Request';
    case OpsErrors.NOT_FOUND:
    case OpsErrors.UNKNOWN_NODE:
      return '404 Not Found';
    case OpsErrors.NO_PEERS:
      return '409 Conflict';
    case OpsErrors.AUDIT_FAILED:
    case ProtocolErrors.OPS_UNREACHABLE:
    case ProtocolErrors.WORKER_FAILED:
      return '503 Service Unavailable';
    case ProtocolErrors.OPS_TIMEOUT:
      return '504 Gateway Timeout';
    default:
      return '500 Internal Server Error';
  }
}

export function mountOps(app: uWS.TemplatedApp, options: OpsRoutesOptions): OpsRoutes {
  return new OpsRoutes(app, options);
}
