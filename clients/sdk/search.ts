// GlassClient.search: the `search` frame and its answer. Players search lore; moderators may ask
// for transcripts too (`kind: 'transcript'`, `session`). Browser-safe: protocol types only.
import type { ServerFrame, ServerFrameOf } from '../protocol/index.js';

export interface SearchOptions {
  /** `lore` (the default for players: the gateway searches lore only for them) or `transcript` (moderators). */
  kind?: 'lore' | 'transcript';
  world?: string;
  /** `session:<id>` or `room:<id>` (moderators). */
  session?: string;
  /** 1..20; default 10. */
  limit?: number;
}

export type SearchHit = ServerFrameOf<'search-results'>['hits'][number];

type SearchRequest = { type: 'search'; text: string } & SearchOptions;

/** Sends one search through `request` (the client's outbox: refs, retries after RATE_LIMITED, validation) and returns its hits. */
export async function requestSearch(request: (frame: SearchRequest) => Promise<ServerFrame>, text: string, options: SearchOptions = {}): Promise<SearchHit[]> {
  const frame: SearchRequest = { type: 'search', text };
  if (options.kind !== undefined) frame.kind = options.kind;
  if (options.world !== undefined) frame.world = options.world;
  if (options.session !== undefined) frame.session = options.session;
  if (options.limit !== undefined) frame.limit = options.limit;
  const answer = (await request(frame)) as ServerFrameOf<'search-results'>;
  return answer.hits;
}
