import type { AppliedOverride, GmQueueItem } from '../../actors/index.js';
import { GlassError, InvalidOptionError } from '../../runtime/index.js';
import { OverrideRequest, ProtocolErrors } from '../protocol/index.js';

export interface ModeratorClientOptions {
  /** The gateway's HTTP origin, e.g. http://127.0.0.1:9001. */
  url: string;
  /** An access token with the moderator role (never logged, never put in a URL). */
  token: string;
  /** Per request. Default 10000. */
  timeoutMs?: number;
}

/** A refusal from the API (or of a request that failed before it: validation, network). */
export class ModeratorClientError extends GlassError {
  constructor(
    code: string,
    message: string,
    /** The HTTP status, 0 when no response came. */
    readonly status: number,
  ) {
    super(code, message, { status });
  }
}

/** What an applied override answers: its target, its command and its place in the audit log. */
export interface OverrideReceipt {
  room?: string;
  session?: string;
  command: string;
  audit: { id: number; hash: string };
}

type Target = { room: string } | { session: string };

/**
 * The moderator SDK: overrides through the gateway's HTTP API (`POST /api/overrides`). Each call
 * resolves once the target applied the override, with its audit ref, or rejects with a
 * ModeratorClientError whose `code` is the server's (GLASS_ERR_FORBIDDEN, GLASS_ERR_AUDIT_UNAVAILABLE…).
 */
export class ModeratorClient {
  readonly #base: URL;
  readonly #token: string;
  readonly #timeoutMs: number;

  constructor(options: ModeratorClientOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new InvalidOptionError('url', 'an http:// or https:// URL', options.url);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new InvalidOptionError('url', 'an http:// or https:// URL', options.url);
    if (typeof options.token !== 'string' || options.token.length === 0) throw new InvalidOptionError('token', 'an access token', options.token === undefined ? undefined : '[redacted]');
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new InvalidOptionError('timeoutMs', 'a positive integer', timeoutMs);
    this.#base = base;
    this.#token = options.token;
    this.#timeoutMs = timeoutMs;
  }

  /** Any override, validated here first with the server's own schema. */
  async override(request: OverrideRequest): Promise<OverrideReceipt> {
    const parsed = OverrideRequest.safeParse(request);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new ModeratorClientError(ProtocolErrors.BAD_REQUEST, `${first?.path.map(String).join('.') || 'request'}: ${first?.message ?? 'invalid'}`, 0);
    }
    return (await this.#request('POST', '/api/overrides', parsed.data)) as OverrideReceipt;
  }

  mute(target: Target, player: string, reason: string): Promise<OverrideReceipt> {
    return this.override({ ...target, command: 'mute', player, reason });
  }

  unmute(target: Target, player: string, reason: string): Promise<OverrideReceipt> {
    return this.override({ ...target, command: 'unmute', player, reason });
  }

  kick(room: string, player: string, reason: string): Promise<OverrideReceipt> {
    return this.override({ room, command: 'kick', player, reason });
  }

  pause(target: Target, reason: string): Promise<OverrideReceipt> {
    return this.override({ ...target, command: 'pause', reason });
  }

  resume(target: Target, reason: string): Promise<OverrideReceipt> {
    return this.override({ ...target, command: 'resume', reason });
  }

  lock(room: string, reason: string): Promise<OverrideReceipt> {
    return this.override({ room, command: 'lock', reason });
  }

  unlock(room: string, reason: string): Promise<OverrideReceipt> {
    return this.override({ room, command: 'unlock', reason });
  }

  /** `seq`: the room line's seq, or the session turn's number. */
  redact(target: Target, seq: number, reason: string): Promise<OverrideReceipt> {
    return this.override({ ...target, command: 'redact', seq, reason });
  }

  narrate(target: Target, text: string, reason?: string): Promise<OverrideReceipt> {
    return this.override({ ...target, command: 'narrate', text, ...(reason !== undefined && { reason }) });
  }

  note(target: Target, text: string): Promise<OverrideReceipt> {
    return this.override({ ...target, command: 'note', text });
  }

  /** The most recent overrides of a target, as its override actor keeps them (oldest first). */
  async recent(target: Target): Promise<AppliedOverride[]> {
    const [kind, id] = 'room' in target ? ['room', target.room] : ['session', target.session];
    const body = (await this.#request('GET', `/api/overrides/${kind}/${encodeURIComponent(id)}`)) as { applied: AppliedOverride[] };
    return body.applied;
  }

  /** The human GM queue (docs/BUDGETS.md): sessions waiting for a person, oldest first. */
  async gmQueue(): Promise<{ items: GmQueueItem[]; depth: number; open: number }> {
    return (await this.#request('GET', '/api/gm-queue')) as { items: GmQueueItem[]; depth: number; open: number };
  }

  /** Takes the session's GM queue item (then narrate it with `narrate`); GLASS_ERR_GM_ITEM_NOT_FOUND when it is not queued. */
  async takeGmItem(session: string): Promise<{ item: GmQueueItem }> {
    return (await this.#request('POST', '/api/gm-queue/take', { session })) as { item: GmQueueItem };
  }

  async #request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.#base), {
        method,
        headers: { authorization: `Bearer ${this.#token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw new ModeratorClientError(ProtocolErrors.INTERNAL, `no answer from ${this.#base.origin}: ${(err as Error).message}`, 0);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ModeratorClientError(ProtocolErrors.INTERNAL, `HTTP ${res.status} without a JSON body`, res.status);
    }
    if (!res.ok) {
      const { code, message } = json as { code?: unknown; message?: unknown };
      throw new ModeratorClientError(typeof code === 'string' ? code : ProtocolErrors.INTERNAL, typeof message === 'string' ? message : `HTTP ${res.status}`, res.status);
    }
    return json;
  }
}
