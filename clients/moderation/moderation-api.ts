import type { KeyObject } from 'node:crypto';
import type uWS from 'uWebSockets.js';
import { override, overrideId, type OverrideTargetKind } from '../../actors/index.js';
import type { Logger } from '../../runtime/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { verifyAccessToken, type AccessClaims } from '../tokens/index.js';
import { attemptOf, type ModerationDesk } from './moderation-desk.js';
import { IdSchema, OverrideRequest, ProtocolErrors } from '../protocol/index.js';
import type { RateLimiter } from '../gateway/index.js';
import { mountGmQueueApi } from './gm-queue-api.js';

/** What the HTTP API needs from its gateway. */
export interface ModerationApiContext {
  readonly node: GlassNode;
  readonly desk: ModerationDesk;
  /** The public access-token key. */
  readonly key: KeyObject;
  readonly limiter: RateLimiter;
  readonly maxBodyBytes: number;
  readonly log: Logger;
  closing(): boolean;
  refused(code: string): void;
}

/** HTTP status of each code the API answers with. */
const STATUS: Readonly<Record<string, string>> = {
  [ProtocolErrors.TOKEN_MISSING]: '401 Unauthorized',
  [ProtocolErrors.TOKEN_INVALID]: '401 Unauthorized',
  [ProtocolErrors.TOKEN_EXPIRED]: '401 Unauthorized',
  [ProtocolErrors.FORBIDDEN]: '403 Forbidden',
  [ProtocolErrors.BAD_REQUEST]: '400 Bad Request',
  [ProtocolErrors.NOT_FOUND]: '404 Not Found',
  [ProtocolErrors.METHOD_NOT_ALLOWED]: '405 Method Not Allowed',
  [ProtocolErrors.BODY_TOO_LARGE]: '413 Payload Too Large',
  [ProtocolErrors.SEQ_NOT_REACHED]: '409 Conflict',
  [ProtocolErrors.RATE_LIMITED]: '429 Too Many Requests',
  [ProtocolErrors.AUDIT_UNAVAILABLE]: '503 Service Unavailable',
  [ProtocolErrors.NODE_CLOSED]: '503 Service Unavailable',
  [ProtocolErrors.OVERRIDE_TIMEOUT]: '504 Gateway Timeout',
  [ProtocolErrors.ASK_TIMEOUT]: '504 Gateway Timeout',
  [ProtocolErrors.GM_ITEM_NOT_FOUND]: '404 Not Found',
};

/** One response per request, written only if the client is still there. */
export class Reply {
  #done = false;
  constructor(readonly res: uWS.HttpResponse) {
    res.onAborted(() => {
      this.#done = true;
    });
  }

  get done(): boolean {
    return this.#done;
  }

  json(status: string, body: unknown): void {
    if (this.#done) return;
    this.#done = true;
    // The connection is closed after each answer (no keep-alive): with this uWS build, a keep-alive
    // connection answered asynchronously made WebSockets upgraded later on the same server close
    // ~1 ms after open (the post-cork check of an async upgrade reading stale response state;
    // uNetworking/uWebSockets.js#1108, uWebSockets#1929). Moderation traffic is light.
    this.res.cork(() => this.res.writeStatus(status).writeHeader('content-type', 'application/json').end(JSON.stringify(body), true));
  }

  error(code: string, message: string, extra?: Record<string, unknown>): void {
    this.json(STATUS[code] ?? '500 Internal Server Error', { code, message, ...extra });
  }
}

/**
 * The moderators' HTTP API on the gateway's server (`/api/…`, see docs/PROTOCOL.md): the same
 * overrides as the `override` frame, with a Bearer access token, for tools and the `glass mod` CLI.
 */
export function mountModerationApi(app: uWS.TemplatedApp, ctx: ModerationApiContext): void {
  app.post('/api/overrides', (res, req) => {
    const reply = new Reply(res);
    const token = bearer(req);
    const address = addressOf(res);
    // Whatever fails on the way (the node closing under a request included) is answered, never thrown.
    readBody(res, reply, ctx, (body) => void postOverride(reply, ctx, token, address, body).catch((err: unknown) => answerFailure(reply, ctx, err)));
  });
  app.get('/api/overrides/:kind/:id', (res, req) => {
    const reply = new Reply(res);
    const token = bearer(req);
    const address = addressOf(res);
    const kind = req.getParameter(0) ?? '';
    const id = decodedParameter(req.getParameter(1) ?? '');
    if (id === null) return reply.error(ProtocolErrors.BAD_REQUEST, 'the id is not a valid percent-encoding');
    void getRecent(reply, ctx, token, address, kind, id).catch((err: unknown) => answerFailure(reply, ctx, err));
  });
  app.any('/api/overrides', (res) => new Reply(res).error(ProtocolErrors.METHOD_NOT_ALLOWED, 'use POST'));
  mountGmQueueApi(app, ctx, { Reply, authenticate, bearer, addressOf, readBody, answerFailure });
  app.any('/api/*', (res) => new Reply(res).error(ProtocolErrors.NOT_FOUND, 'no such API route'));
}

/** A path segment decoded, or null when its percent-encoding is malformed (decodeURIComponent throws on it). */
function decodedParameter(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** The peer's address as text (read while the request is current: uWS forbids it later). */
export function addressOf(res: uWS.HttpResponse): string {
  return Buffer.from(res.getRemoteAddressAsText()).toString('utf8');
}

export function bearer(req: uWS.HttpRequest): string {
  const auth = req.getHeader('authorization');
  return auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
}

/** Reads the body up to the limit; past it, answers 413 at once and ignores the rest. */
export function readBody(res: uWS.HttpResponse, reply: Reply, ctx: ModerationApiContext, then: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.onData((chunk, isLast) => {
    if (reply.done) return;
    size += chunk.byteLength;
    if (size > ctx.maxBodyBytes) return reply.error(ProtocolErrors.BODY_TOO_LARGE, `the body is limited to ${ctx.maxBodyBytes} bytes`);
    // uWS reuses the chunk's memory once this callback returns: copy it.
    chunks.push(Buffer.from(new Uint8Array(chunk)));
    if (isLast) then(Buffer.concat(chunks));
  });
}

/** Verifies the token and takes a token from the character's bucket; answers and returns null on refusal. */
export async function authenticate(reply: Reply, ctx: ModerationApiContext, token: string, address: string): Promise<AccessClaims | null> {
  if (ctx.closing()) {
    reply.error(ProtocolErrors.NODE_CLOSED, 'the server is shutting down');
    return null;
  }
  const check = await verifyAccessToken(ctx.key, token);
  if (!check.ok) {
    ctx.refused(check.code);
    // Audited by address, within its bound (a flood of bad tokens is counted, not written).
    await ctx.desk.refuseAnonymous(address, 'api', check.code);
    reply.error(check.code, check.message);
    return null;
  }
  const waitMs = ctx.limiter.take(check.claims.character);
  if (waitMs > 0) {
    ctx.refused(ProtocolErrors.RATE_LIMITED);
    reply.error(ProtocolErrors.RATE_LIMITED, `too many requests: retry in ${waitMs} ms`, { retryAfterMs: waitMs });
    return null;
  }
  return check.claims;
}

async function postOverride(reply: Reply, ctx: ModerationApiContext, token: string, address: string, body: Buffer): Promise<void> {
  const claims = await authenticate(reply, ctx, token, address);
  if (claims === null) return;
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    raw = undefined;
  }
  // Roles first: someone who may not moderate learns nothing about what would have been valid.
  if (!claims.roles.includes('moderator')) {
    await ctx.desk.refuse(claims, 'api', attemptOf(raw), ProtocolErrors.FORBIDDEN);
    ctx.refused(ProtocolErrors.FORBIDDEN);
    return reply.error(ProtocolErrors.FORBIDDEN, 'an override needs the moderator role');
  }
  const parsed = OverrideRequest.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const message = raw === undefined ? 'the body is not UTF-8 JSON' : `${first?.path.map(String).join('.') || 'body'}: ${first?.message ?? 'invalid'}`;
    await ctx.desk.refuse(claims, 'api', attemptOf(raw), ProtocolErrors.BAD_REQUEST);
    ctx.refused(ProtocolErrors.BAD_REQUEST);
    return reply.error(ProtocolErrors.BAD_REQUEST, message);
  }
  try {
    const outcome = await ctx.desk.submit(claims, 'api', parsed.data);
    reply.json('200 OK', { [outcome.target.kind]: outcome.target.id, command: outcome.command, audit: outcome.audit });
  } catch (err) {
    answerFailure(reply, ctx, err);
  }
}

async function getRecent(reply: Reply, ctx: ModerationApiContext, token: string, address: string, kind: string, id: string): Promise<void> {
  const claims = await authenticate(reply, ctx, token, address);
  if (claims === null) return;
  if (!claims.roles.includes('moderator')) {
    await ctx.desk.refuse(claims, 'api', attemptOf({ [kind]: id }), ProtocolErrors.FORBIDDEN);
    return reply.error(ProtocolErrors.FORBIDDEN, 'reading overrides needs the moderator role');
  }
  if ((kind !== 'room' && kind !== 'session') || !IdSchema.safeParse(id).success) return reply.error(ProtocolErrors.BAD_REQUEST, 'expected /api/overrides/room/<id> or /api/overrides/session/<id>');
  try {
    const recent = await override.ref(ctx.node, overrideId({ kind: kind as OverrideTargetKind, id })).ask({ type: 'recent' });
    reply.json('200 OK', { [kind]: id, applied: recent.applied });
  } catch (err) {
    answerFailure(reply, ctx, err);
  }
}

export function answerFailure(reply: Reply, ctx: ModerationApiContext, err: unknown): void {
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : ProtocolErrors.INTERNAL;
  const known = STATUS[code] !== undefined;
  if (!known) ctx.log.warn({ code, err: err instanceof Error ? err.message : String(err) }, 'override request failed');
  reply.error(code, known ? (err as Error).message : 'the request failed inside the server');
}
