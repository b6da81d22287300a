// The `search` frame: players search lore, moderators lore and transcripts. A search costs a token
// of its own bucket per character (queries cost the database far more than a `say`), and a
// character has at most MAX_IN_FLIGHT searches running at once; both refusals are RATE_LIMITED.
import { SearchErrors, type SearchIndex, type SearchQuery } from '../../runtime/index.js';
import { ProtocolErrors, type ClientFrame, type ServerFrame } from '../protocol/index.js';
import type { AccessClaims } from '../tokens/index.js';
import { RateLimiter, type RateLimit } from './rate-limiter.js';

type SearchFrame = Extract<ClientFrame, { type: 'search' }>;

/** Default: 5 searches at once, then one a second, per character. */
export const DEFAULT_SEARCH_RATE: RateLimit = { burst: 5, perSecond: 1 };
const MAX_IN_FLIGHT = 2;
const SEARCH_CODES: ReadonlySet<string> = new Set(Object.values(SearchErrors));

/** Where a connection sends its answer. */
export interface SearchReplyTo {
  readonly closed: boolean;
  send(frame: ServerFrame): void;
  sendError(code: string, message: string, ref?: string, retryAfterMs?: number): void;
}

export class ConnectionSearch {
  readonly #index: SearchIndex | null;
  readonly #limiter: RateLimiter;
  readonly #inFlight = new Map<string, number>();
  readonly #refused: (code: string) => void;

  constructor(index: SearchIndex | null, refused: (code: string) => void, rate: RateLimit = DEFAULT_SEARCH_RATE, now: () => number = Date.now) {
    this.#index = index;
    this.#refused = refused;
    this.#limiter = new RateLimiter(rate, now, 60_000);
  }

  handle(claims: AccessClaims, character: string, frame: SearchFrame, out: SearchReplyTo): void {
    const refuse = (code: string, message: string, retryAfterMs?: number): void => {
      this.#refused(code);
      out.sendError(code, message, frame.ref, retryAfterMs);
    };
    const moderator = claims.roles.includes('moderator');
    if (!moderator && (frame.kind === 'transcript' || frame.session !== undefined)) return refuse(ProtocolErrors.FORBIDDEN, 'players search lore only: transcripts need the moderator role');
    if (this.#index === null) return refuse(ProtocolErrors.SEARCH_UNAVAILABLE, 'this node has no search index');
    const running = this.#inFlight.get(character) ?? 0;
    if (running >= MAX_IN_FLIGHT) return refuse(ProtocolErrors.RATE_LIMITED, `at most ${MAX_IN_FLIGHT} searches at once`, 250);
    const waitMs = this.#limiter.take(character);
    if (waitMs > 0) return refuse(ProtocolErrors.RATE_LIMITED, `too many searches: retry in ${waitMs} ms`, waitMs);
    const query: SearchQuery = {
      text: frame.text,
      kind: moderator ? frame.kind : 'lore',
      ...(frame.world !== undefined && { world: frame.world }),
      ...(frame.session !== undefined && { session: frame.session }),
      ...(frame.limit !== undefined && { limit: frame.limit }),
    };
    if (query.kind === undefined) delete query.kind;
    this.#inFlight.set(character, running + 1);
    this.#index.search(query).then(
      (hits) => {
        if (!out.closed) out.send({ type: 'search-results', hits, ref: frame.ref });
      },
      (err: { code?: unknown; message?: unknown }) => {
        // The index's own codes are stable and its messages hold no secrets; anything else is internal.
        const code = typeof err?.code === 'string' && SEARCH_CODES.has(err.code) ? err.code : ProtocolErrors.INTERNAL;
        const message = code === ProtocolErrors.SEARCH_INVALID_QUERY ? String(err.message) : 'search failed inside the server';
        if (!out.closed) refuse(code, message);
      },
    ).finally(() => {
      const left = (this.#inFlight.get(character) ?? 1) - 1;
      if (left <= 0) this.#inFlight.delete(character);
      else this.#inFlight.set(character, left);
    });
  }
}
