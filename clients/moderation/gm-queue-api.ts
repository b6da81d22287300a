// The human GM queue in the moderators' HTTP API (docs/BUDGETS.md): `GET /api/gm-queue` lists it,
// `POST /api/gm-queue/take {"session"}` takes an item (the moderator then narrates through the
// `narrate` override). Moderator role required; same token, rate limit and answers as overrides.
import type uWS from 'uWebSockets.js';
import { GM_QUEUE_ID, gmQueue } from '../../actors/index.js';
import { IdSchema, ProtocolErrors } from '../protocol/index.js';
import type { answerFailure as AnswerFailure, authenticate as Authenticate, ModerationApiContext, Reply } from './moderation-api.js';

/** The API's own request helpers, handed over by moderation-api.ts (importing them back would be a cycle). */
export interface ApiHelpers {
  Reply: typeof Reply;
  authenticate: typeof Authenticate;
  bearer(req: uWS.HttpRequest): string;
  addressOf(res: uWS.HttpResponse): string;
  readBody(res: uWS.HttpResponse, reply: Reply, ctx: ModerationApiContext, then: (body: Buffer) => void): void;
  answerFailure: typeof AnswerFailure;
}

export function mountGmQueueApi(app: uWS.TemplatedApp, ctx: ModerationApiContext, h: ApiHelpers): void {
  const { Reply, bearer, addressOf, readBody, answerFailure } = h;
  app.get('/api/gm-queue', (res, req) => {
    const reply = new Reply(res);
    const token = bearer(req);
    const address = addressOf(res);
    void list(h, reply, ctx, token, address).catch((err: unknown) => answerFailure(reply, ctx, err));
  });
  app.post('/api/gm-queue/take', (res, req) => {
    const reply = new Reply(res);
    const token = bearer(req);
    const address = addressOf(res);
    readBody(res, reply, ctx, (body) => void takeItem(h, reply, ctx, token, address, body).catch((err: unknown) => answerFailure(reply, ctx, err)));
  });
  app.any('/api/gm-queue', (res) => new Reply(res).error(ProtocolErrors.METHOD_NOT_ALLOWED, 'use GET'));
  app.any('/api/gm-queue/take', (res) => new Reply(res).error(ProtocolErrors.METHOD_NOT_ALLOWED, 'use POST'));
}

async function moderator(h: ApiHelpers, reply: Reply, ctx: ModerationApiContext, token: string, address: string): Promise<string | null> {
  const claims = await h.authenticate(reply, ctx, token, address);
  if (claims === null) return null;
  if (!claims.roles.includes('moderator')) {
    ctx.refused(ProtocolErrors.FORBIDDEN);
    reply.error(ProtocolErrors.FORBIDDEN, 'the GM queue needs the moderator role');
    return null;
  }
  return claims.player;
}

async function list(h: ApiHelpers, reply: Reply, ctx: ModerationApiContext, token: string, address: string): Promise<void> {
  if ((await moderator(h, reply, ctx, token, address)) === null) return;
  const queue = await gmQueue.ref(ctx.node, GM_QUEUE_ID).ask({ type: 'list' });
  reply.json('200 OK', queue);
}

async function takeItem(h: ApiHelpers, reply: Reply, ctx: ModerationApiContext, token: string, address: string, body: Buffer): Promise<void> {
  const player = await moderator(h, reply, ctx, token, address);
  if (player === null) return;
  let session: unknown;
  try {
    session = (JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) as { session?: unknown } | null)?.session;
  } catch {
    session = undefined;
  }
  if (!IdSchema.safeParse(session).success) {
    ctx.refused(ProtocolErrors.BAD_REQUEST);
    return reply.error(ProtocolErrors.BAD_REQUEST, 'expected {"session": "<id>"}');
  }
  const taken = await gmQueue.ref(ctx.node, GM_QUEUE_ID).ask({ type: 'take', session: session as string, moderator: player });
  reply.json('200 OK', taken);
}
