// The archive spill of a room, driven through the room's own handlers with a small stand-in context
// (as room-departure.test.ts does) whose `objects` service is a real FsObjectStore in a temp dir,
// wrapped so a test can hold a write, fail it, or lose its report (a crash between write and drop).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ArchiveErrors, ROOM_HISTORY_LIMIT, archivedPage, chunkKey, historyPage, listChunks, room, type RoomLine, type RoomState } from '../../actors/index.js';
import { createFsObjectStore } from '../../cluster/index.js';
import { OBJECTS_SERVICE, type ObjectStore } from '../../runtime/index.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempStore(): Promise<ObjectStore> {
  const dir = await mkdtemp(join(tmpdir(), 'glass-spill-'));
  dirs.push(dir);
  return createFsObjectStore({ dir });
}

/** Wraps a store: `failPuts` makes puts reject; every put is counted. */
function gated(store: ObjectStore) {
  const gate = { failPuts: false, puts: 0 };
  const wrapped: ObjectStore = {
    versioned: store.versioned,
    put: (key, body) => {
      gate.puts++;
      return gate.failPuts ? Promise.reject(new Error('disk on fire')) : store.put(key, body);
    },
    get: (key, options) => store.get(key, options),
    stat: (key, options) => store.stat(key, options),
    list: (prefix, options) => store.list(prefix, options),
    delete: (key, options) => store.delete(key, options),
    versions: (key, options) => store.versions(key, options),
    close: () => store.close(),
  };
  return { gate, store: wrapped };
}

type Msg = { type: string; [k: string]: unknown };

function context(state: RoomState, store: ObjectStore | undefined) {
  const inbox: Msg[] = [];
  const timers: { name: string; ms: number; msg: Msg }[] = [];
  let wake: (() => void) | undefined;
  const ctx = {
    self: { kind: 'room', id: 'hall' },
    state,
    now: () => 1_000,
    nodeDownSince: () => undefined,
    tell: (to: { id: string }, msg: Msg) => {
      if (to.id !== 'hall') return;
      inbox.push(msg);
      wake?.();
    },
    timers: { once: (name: string, ms: number, msg: Msg) => void timers.push({ name, ms, msg }), cancel: () => {} },
    service: (name: string) => {
      if (name !== OBJECTS_SERVICE || store === undefined) throw Object.assign(new Error('no service'), { code: 'GLASS_ERR_UNKNOWN_SERVICE' });
      return store;
    },
  };
  // The room activates: any flight of an earlier test's room:hall is forgotten.
  room.onActivate!(ctx as never);
  /** The next message the room sent itself (an archive-done), waited for as an event. */
  const nextToSelf = async (): Promise<Msg> => {
    while (inbox.length === 0) await new Promise<void>((r) => (wake = r));
    return inbox.shift()!;
  };
  return { ctx, timers, nextToSelf };
}

const handlers = room.handlers as unknown as Record<string, (ctx: unknown, msg: unknown) => any>;

function sayMany(ctx: unknown, from: number, to: number): void {
  for (let i = from; i <= to; i++) handlers.say(ctx, { player: 'ann', text: `line ${i}` });
}

/** All lines, paged back from the newest with `limit` per page, in order. */
async function pageAll(ctx: { state: RoomState }, store: ObjectStore | null, limit: number): Promise<RoomLine[]> {
  const out: RoomLine[] = [];
  let before = Number.MAX_SAFE_INTEGER;
  for (let pages = 0; pages < 1000; pages++) {
    const hot = handlers.history(ctx, { before, limit });
    const page = await historyPage<RoomLine>(hot, store, 'room', 'hall', before, limit);
    assert.ok(page.items.length <= limit);
    out.unshift(...page.items);
    if (page.next === null) return out;
    before = page.next;
  }
  throw new Error('no end');
}

describe('archive spill of a room', () => {
  test('without an objects service the room keeps its last 50 lines, as before', () => {
    const state = room.initialState('hall') as RoomState;
    const { ctx } = context(state, undefined);
    handlers.join(ctx, { player: 'ann', node: 'n1' });
    sayMany(ctx, 1, 120);
    assert.equal(state.history.length, ROOM_HISTORY_LIMIT);
    assert.equal(state.history[0]!.seq, 71);
    assert.equal(state.archive, undefined);
  });

  test('lines past the limit are written as one chunk, dropped only once the write resolved, and page back seamlessly', async () => {
    const store = await tempStore();
    const state = room.initialState('hall') as RoomState;
    const { ctx, nextToSelf } = context(state, store);
    handlers.join(ctx, { player: 'ann', node: 'n1' });
    sayMany(ctx, 1, 99);
    assert.equal(state.history.length, 99, 'below limit + chunk nothing spills');
    sayMany(ctx, 100, 100);
    // The write is on its way: nothing is dropped yet.
    assert.equal(state.history.length, 100);
    const done = await nextToSelf();
    assert.deepEqual(done, { type: 'archive-done', op: 'spill', first: 1, last: 50, ok: true });
    handlers['archive-done'](ctx, done);
    assert.equal(state.history.length, 50);
    assert.equal(state.history[0]!.seq, 51);
    assert.deepEqual(state.archive, { through: 50 });
    assert.deepEqual((await listChunks(store, 'room', 'hall')).map((c) => c.key), [chunkKey('room', 'hall', 1, 50)]);
    // The join shows the last 50 only.
    assert.equal(handlers.join(ctx, { player: 'ben', node: 'n1' }).history.length, 50);
    const all = await pageAll(ctx, store, 7);
    assert.deepEqual(all.map((l) => l.seq), Array.from({ length: 100 }, (_, i) => i + 1));
    assert.equal(all[0]!.text, 'line 1');
  });

  test('a crash between the write and the drop loses nothing: the next activation writes the same chunk to the same key', async () => {
    const store = await tempStore();
    const state = room.initialState('hall') as RoomState;
    const first = context(state, store);
    handlers.join(first.ctx, { player: 'ann', node: 'n1' });
    sayMany(first.ctx, 1, 100);
    await first.nextToSelf(); // written, but the report is lost with the worker
    // The saved state (JSON, as a store keeps it) still has every line.
    const saved = JSON.parse(JSON.stringify(state)) as RoomState;
    assert.equal(saved.history.length, 100);
    const second = context(saved, store);
    const done = await second.nextToSelf();
    handlers['archive-done'](second.ctx, done);
    assert.equal(saved.history.length, 50);
    const chunks = await listChunks(store, 'room', 'hall');
    assert.equal(chunks.length, 1, 'written twice, one chunk');
    assert.equal((await store.versions(chunks[0]!.key)).length, 1, 'the rewrite erased the older copy');
    assert.deepEqual((await pageAll(second.ctx, store, 50)).map((l) => l.seq), Array.from({ length: 100 }, (_, i) => i + 1));
  });

  test('a failed write keeps the lines, retries by timer, and past maxBehind refuses new lines with GLASS_ERR_ARCHIVE_BEHIND', async () => {
    const { gate, store } = gated(await tempStore());
    gate.failPuts = true;
    const state = room.initialState('hall') as RoomState;
    const { ctx, timers, nextToSelf } = context(state, store);
    handlers.join(ctx, { player: 'ann', node: 'n1' });
    sayMany(ctx, 1, 100);
    const failed = await nextToSelf();
    assert.equal(failed.ok, false);
    handlers['archive-done'](ctx, failed);
    assert.equal(state.history.length, 100);
    assert.equal(timers.at(-1)?.msg.op, 'retry');
    sayMany(ctx, 101, 450);
    assert.throws(() => handlers.say(ctx, { player: 'ann', text: 'one too many' }), (e: { code?: string }) => e.code === ArchiveErrors.BEHIND);
    assert.equal(state.seq, 450, 'the refused line took no seq');
    gate.failPuts = false;
    handlers['archive-done'](ctx, timers.at(-1)!.msg);
    // Chunks go one at a time until the room is back under its limit + one chunk.
    for (let i = 0; i < 20 && state.history.length >= ROOM_HISTORY_LIMIT + 50; i++) handlers['archive-done'](ctx, await nextToSelf());
    assert.ok(state.history.length < ROOM_HISTORY_LIMIT + 50);
    assert.equal(state.archive!.through, 400);
    assert.deepEqual((await pageAll(ctx, store, 200)).map((l) => l.seq), Array.from({ length: 450 }, (_, i) => i + 1));
  });

  test('a redaction while the chunk is on its way is not lost: the chunk is written again before the drop', async () => {
    const store = await tempStore();
    const state = room.initialState('hall') as RoomState;
    const { ctx, nextToSelf } = context(state, store);
    handlers.join(ctx, { player: 'ann', node: 'n1' });
    sayMany(ctx, 1, 100);
    handlers.moderate(ctx, { type: 'moderate', command: { command: 'redact', seq: 10 }, audit: { id: 1, hash: 'h' }, replyTo: 'n1' });
    handlers['archive-done'](ctx, await nextToSelf());
    assert.equal(state.history.length, 100, 'the chunk written no longer matches: not dropped');
    handlers['archive-done'](ctx, await nextToSelf());
    assert.equal(state.history.length, 50);
    const line10 = (await archivedPage<RoomLine>(store, 'room', 'hall', 11, 1, 50)).items[0]!;
    assert.deepEqual([line10.seq, line10.text, line10.redacted], [10, '', true]);
  });

  test('a redaction of an archived line rewrites its chunk, erases the old copy, and is kept until written', async () => {
    const store = await tempStore();
    const state = room.initialState('hall') as RoomState;
    const { ctx, nextToSelf } = context(state, store);
    handlers.join(ctx, { player: 'ann', node: 'n1' });
    sayMany(ctx, 1, 100);
    handlers['archive-done'](ctx, await nextToSelf());
    handlers.moderate(ctx, { type: 'moderate', command: { command: 'redact', seq: 7 }, audit: { id: 2, hash: 'h' }, replyTo: 'n1' });
    assert.deepEqual(state.archive!.redact, [7], 'saved with the state until its chunk is rewritten');
    const done = await nextToSelf();
    assert.deepEqual(done, { type: 'archive-done', op: 'redact', ref: 7, ok: true });
    handlers['archive-done'](ctx, done);
    assert.equal(state.archive!.redact, undefined);
    const key = chunkKey('room', 'hall', 1, 50);
    assert.equal((await store.versions(key)).length, 1);
    assert.ok(!Buffer.from((await store.get(key))!).toString().includes('"line 7"'));
    const line7 = (await archivedPage<RoomLine>(store, 'room', 'hall', 8, 1, 50)).items[0]!;
    assert.deepEqual([line7.seq, line7.text, line7.redacted], [7, '', true]);
  });

  test('a corrupted chunk gives GLASS_ERR_ARCHIVE_CORRUPT, never a crash or foreign lines', async () => {
    const store = await tempStore();
    const key = chunkKey('room', 'hall', 1, 50);
    const bad: Array<string | Uint8Array> = [
      'not json',
      new Uint8Array([0xff, 0xfe, 0x00]),
      '{"v":2}',
      JSON.stringify({ v: 1, kind: 'room', id: 'other', first: 1, last: 50, items: [{ seq: 1, from: 'a', text: 'x', at: 1 }] }),
      JSON.stringify({ v: 1, kind: 'room', id: 'hall', first: 1, last: 50, items: [{ seq: 99, from: 'a', text: 'x', at: 1 }] }),
      JSON.stringify({ v: 1, kind: 'room', id: 'hall', first: 1, last: 50, items: [{ seq: 2, from: 'a', text: 7, at: 1 }] }),
    ];
    for (const body of bad) {
      await store.put(key, body);
      await assert.rejects(archivedPage(store, 'room', 'hall', 51, 10, 50), (e: { code?: string }) => e.code === ArchiveErrors.CORRUPT);
    }
  });
});
