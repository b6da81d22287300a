// The SDK and a pre-empted turn: a moderator's pause while a slow turn narrates reaches the player
// as `turn-cancelled` (once, not replayed), the turn is never committed, and the session book
// treats the cancelled turn as settled (a chunk of it a resume would replay is dropped).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { override, overrideId, tellSystem } from '../../actors/index.js';
import { GlassClient } from '../../clients/sdk/index.js';
import { SessionBook } from '../../clients/sdk/session-book.js';
import { EventLog } from './fixtures/sdk-events.js';
import { startSdkServer, type SdkServer } from './fixtures/sdk-server.js';
import { tokenFor } from './tokens.js';

describe('player SDK: turn-cancelled', () => {
  let server: SdkServer;
  const clients: GlassClient[] = [];

  before(async () => {
    server = await startSdkServer();
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.close();
  });

  test("a moderator's pause mid-narration: the SDK emits turn-cancelled once, and the turn never commits", async () => {
    const ann = new GlassClient({ url: server.url, token: () => tokenFor('ann-tc'), WebSocket });
    clients.push(ann);
    const log = new EventLog('ann', ann);
    await ann.connect();
    await ann.joinSession('story-tc');
    assert.equal(await ann.turn('story-tc', '[slow] one two three four five six'), 1);
    await log.next('narration', (n) => n.turn === 1);
    const target = { kind: 'session', id: 'story-tc' } as const;
    const audit = { id: 91_001, hash: 'e'.repeat(64) };
    tellSystem(override.ref(server.node, overrideId(target)), { type: 'apply', target, command: { command: 'pause', reason: 'break' }, audit, by: 'mod', replyTo: server.node.id });
    const cancelled = await log.next('turn-cancelled');
    assert.deepEqual(cancelled, { session: 'story-tc', seq: cancelled.seq, turn: 1, player: 'ann-tc', reason: 'pause', audit, replayed: false });
    await log.next('session-moderated', (m) => m.command === 'pause');
    assert.equal(log.of('turn-committed').length, 0);
    assert.equal(log.of('turn-cancelled').length, 1);
  });

  test('the session book: a cancelled turn is settled; its replayed chunks and a second cancellation are dropped', () => {
    const book = new SessionBook();
    book.reset('s', 3, ['ann'], { turn: 4, player: 'ann', text: 'x', seq: 3, chunks: [] });
    assert.equal(book.acceptChunk('s', { turn: 4, part: 0, index: 0 }), true);
    assert.equal(book.acceptSettled('s', 4), true);
    assert.equal(book.acceptChunk('s', { turn: 4, part: 0, index: 1 }), false);
    assert.equal(book.acceptSettled('s', 4), false);
    assert.equal(book.acceptChunk('s', { turn: 5, part: 0, index: 0 }), true);
  });
});
