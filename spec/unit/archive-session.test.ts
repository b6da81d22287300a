// A session's transcript spills to the archive past SESSION_TRANSCRIPT_LIMIT, 100 turns a chunk, and
// a `redact` of an archived turn (named by its turn number) rewrites its chunk. Driven through the
// session's own handlers (moderators' narrations append turns without a turn runner) with a stand-in
// context whose `objects` service is a real FsObjectStore.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SESSION_TRANSCRIPT_LIMIT, archivedPage, historyPage, listChunks, session, type SessionState, type Turn } from '../../actors/index.js';
import { createFsObjectStore } from '../../cluster/index.js';
import { OBJECTS_SERVICE } from '../../runtime/index.js';

let dir: string;
after(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

type Msg = { type: string; [k: string]: unknown };
const handlers = session.handlers as unknown as Record<string, (ctx: unknown, msg: unknown) => any>;

test('a session past 500 turns: 100-turn chunks leave after they are written; the whole transcript pages back; an archived turn is redacted', async () => {
  dir = await mkdtemp(join(tmpdir(), 'glass-archive-session-'));
  const store = createFsObjectStore({ dir });
  const inbox: Msg[] = [];
  let wake: (() => void) | undefined;
  const state = session.initialState('tale') as SessionState;
  const ctx = {
    self: { kind: 'session', id: 'tale' },
    state,
    now: () => 5_000,
    tell: (to: { kind: string }, msg: Msg) => {
      if (to.kind !== 'session') return;
      inbox.push(msg);
      wake?.();
    },
    timers: { once: () => {}, cancel: () => {} },
    service: (name: string) => {
      if (name !== OBJECTS_SERVICE) throw Object.assign(new Error('no service'), { code: 'GLASS_ERR_UNKNOWN_SERVICE' });
      return store;
    },
  };
  const next = async (): Promise<Msg> => {
    while (inbox.length === 0) await new Promise<void>((r) => (wake = r));
    return inbox.shift()!;
  };
  session.onActivate!(ctx as never);
  const narrate = (n: number) => handlers.moderate(ctx, { type: 'moderate', command: { command: 'narrate', text: `scene ${n}` }, audit: { id: n, hash: 'h' }, replyTo: 'n1' });
  for (let n = 1; n <= 650; n++) narrate(n);
  assert.equal(state.transcript.length, 650, 'nothing dropped before it is written');
  handlers['archive-done'](ctx, await next());
  assert.equal(state.transcript.length, 550);
  assert.equal(state.transcript[0]!.turn, 101);
  assert.ok(state.transcript.length >= SESSION_TRANSCRIPT_LIMIT);
  assert.equal((await listChunks(store, 'session', 'tale')).length, 1);
  // The join view is still the newest 50.
  assert.equal(handlers['join-session'](ctx, { player: 'ann', node: 'n1' }).transcript.length, 50);

  const turns: Turn[] = [];
  let before = Number.MAX_SAFE_INTEGER;
  for (let i = 0; i < 100; i++) {
    const hot = handlers.history(ctx, { before, limit: 100 });
    const page = await historyPage<Turn>(hot, store, 'session', 'tale', before, 100);
    turns.unshift(...page.items);
    if (page.next === null) break;
    before = page.next;
  }
  assert.deepEqual(turns.map((t) => t.turn), Array.from({ length: 650 }, (_, i) => i + 1));

  handlers.moderate(ctx, { type: 'moderate', command: { command: 'redact', seq: 42, reason: 'r' }, audit: { id: 999, hash: 'h' }, replyTo: 'n1' });
  assert.deepEqual(state.archive!.redact, [42]);
  handlers['archive-done'](ctx, await next());
  assert.equal(state.archive!.redact, undefined);
  const t42 = turns.find((t) => t.turn === 42)!;
  const page = await archivedPage<Turn>(store, 'session', 'tale', t42.seq! + 1, 1, state.archive!.through);
  assert.deepEqual([page.items[0]!.turn, page.items[0]!.text, page.items[0]!.redacted], [42, '', true]);
});
