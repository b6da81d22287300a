// The `search` frame's handler above the SearchIndex seam (a fake index here; the real ones pass
// spec/contract/search-index.contract.ts): roles, bounds, rate limit, error mapping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionSearch } from '../../clients/gateway/connection-search.js';
import type { ServerFrame } from '../../clients/protocol/index.js';
import { SearchError, SearchErrors, type SearchHit, type SearchIndex, type SearchQuery } from '../../runtime/index.js';

class FakeIndex implements Partial<SearchIndex> {
  readonly queries: SearchQuery[] = [];
  readonly pending: { resolve(hits: SearchHit[]): void; reject(err: unknown): void }[] = [];
  search(query: SearchQuery): Promise<SearchHit[]> {
    this.queries.push(query);
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }
}

function out() {
  const frames: ServerFrame[] = [];
  const errors: { code: string; message: string; ref?: string; retryAfterMs?: number }[] = [];
  return { frames, errors, closed: false, send: (f: ServerFrame) => void frames.push(f), sendError: (code: string, message: string, ref?: string, retryAfterMs?: number) => void errors.push({ code, message, ref, retryAfterMs }) };
}

const player = { player: 'ana', character: 'ana-c', roles: ['player'] as const, expiresAt: 0 };
const moderator = { player: 'mo', character: 'mo-c', roles: ['moderator'] as const, expiresAt: 0 };
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

test('players search lore only; moderators as they ask; the answer carries the ref', async () => {
  const index = new FakeIndex();
  const search = new ConnectionSearch(index as unknown as SearchIndex, () => {});
  const o = out();
  search.handle(player, 'ana-c', { type: 'search', text: 'temple', ref: 'a' }, o);
  search.handle(player, 'ana-c', { type: 'search', text: 'temple', kind: 'transcript', ref: 'b' }, o);
  search.handle(player, 'ana-c', { type: 'search', text: 'temple', session: 'session:s1', ref: 'c' }, o);
  search.handle(moderator, 'mo-c', { type: 'search', text: 'temple', session: 'session:s1', limit: 3, ref: 'd' }, o);
  assert.deepEqual(index.queries, [{ text: 'temple', kind: 'lore' }, { text: 'temple', session: 'session:s1', limit: 3 }]);
  assert.deepEqual(o.errors.map((e) => [e.code, e.ref]), [['GLASS_ERR_FORBIDDEN', 'b'], ['GLASS_ERR_FORBIDDEN', 'c']]);
  index.pending[0].resolve([]);
  await flush();
  assert.deepEqual(o.frames, [{ type: 'search-results', hits: [], ref: 'a' }]);
});

test('two searches at once per character, five in a burst then one a second: RATE_LIMITED with a retry time', async () => {
  let now = 0;
  const index = new FakeIndex();
  const refused: string[] = [];
  const search = new ConnectionSearch(index as unknown as SearchIndex, (code) => refused.push(code), { burst: 5, perSecond: 1 }, () => now);
  const o = out();
  for (let i = 0; i < 3; i++) search.handle(player, 'ana-c', { type: 'search', text: 'x', ref: `r${i}` }, o);
  assert.equal(index.queries.length, 2);
  assert.equal(o.errors[0].code, 'GLASS_ERR_RATE_LIMITED');
  for (const p of index.pending.splice(0)) p.resolve([]);
  await flush();
  for (let i = 0; i < 3; i++) {
    search.handle(player, 'ana-c', { type: 'search', text: 'x' }, o);
    index.pending.shift()?.resolve([]);
    await flush();
  }
  assert.equal(index.queries.length, 5);
  search.handle(player, 'ana-c', { type: 'search', text: 'x', ref: 'late' }, o);
  const late = o.errors.at(-1)!;
  assert.deepEqual([late.code, late.ref], ['GLASS_ERR_RATE_LIMITED', 'late']);
  assert.ok(late.retryAfterMs! > 0);
  now += 1_000;
  search.handle(player, 'ana-c', { type: 'search', text: 'x' }, o);
  assert.equal(index.queries.length, 6, 'a token came back after a second');
  assert.deepEqual([...new Set(refused)], ['GLASS_ERR_RATE_LIMITED']);
});

test('no index: SEARCH_UNAVAILABLE; an invalid query keeps its message; any other failure says nothing inside', async () => {
  const none = new ConnectionSearch(null, () => {});
  const o = out();
  none.handle(player, 'ana-c', { type: 'search', text: 'x', ref: 'n' }, o);
  assert.equal(o.errors[0].code, 'GLASS_ERR_SEARCH_UNAVAILABLE');
  const index = new FakeIndex();
  const search = new ConnectionSearch(index as unknown as SearchIndex, () => {});
  search.handle(moderator, 'mo-c', { type: 'search', text: 'x', ref: 'q' }, o);
  search.handle(moderator, 'mo-c', { type: 'search', text: 'y', ref: 'u' }, o);
  index.pending[0].reject(new SearchError(SearchErrors.INVALID_QUERY, 'the query text is empty'));
  index.pending[1].reject(Object.assign(new Error('connect ECONNREFUSED postgres://secret@db'), { code: 'ECONNREFUSED' }));
  await flush();
  assert.deepEqual(o.errors.slice(1).map((e) => [e.ref, e.code, e.message]), [
    ['q', 'GLASS_ERR_SEARCH_INVALID_QUERY', 'the query text is empty'],
    ['u', 'GLASS_ERR_INTERNAL', 'search failed inside the server'],
  ]);
});
