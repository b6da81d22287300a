// The embedded default (no TEMPORAL_ADDRESS): a node on the game's services runs the same activities
// in process. A committed turn's consolidation lands as lore documents in the node's CouchDB, and
// an applied override's fan-out reaches a moderators' webhook (a real HTTP server this test owns).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import nano from 'nano';
import { session, type SessionDelivery, type SessionEvent } from '../../actors/index.js';
import { startOverrideFanOut } from '../../clients/moderation/override-fan-out.js';
import { couchStoreRef, defaultNodeOptions, turnServices, type LoreDocument, type WorkflowFront } from '../../cluster/index.js';
import { createLogger, GATEWAY_KIND, WORKFLOW_SERVICE } from '../../runtime/index.js';
import { startNode, type GlassNode } from '../../runtime/node/index.js';
import { startTestCouch } from '../contract/couch-harness.js';

const DB = `workflow_inproc_${process.pid}`;

describe('workflows in process (no TEMPORAL_ADDRESS)', () => {
  let couch: Awaited<ReturnType<typeof startTestCouch>>;
  let node: GlassNode;
  let hook: Server;
  const notices: { body: Record<string, unknown>; key: unknown }[] = [];
  const noticeWaiters: (() => void)[] = [];
  const events: SessionEvent[] = [];
  const waiters: (() => void)[] = [];

  before(async () => {
    couch = await startTestCouch('workflow-inproc');
    hook = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c));
      req.on('end', () => {
        notices.push({ body: JSON.parse(text), key: req.headers['idempotency-key'] });
        for (const w of noticeWaiters.splice(0)) w();
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const webhook = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/mods`;
    node = await startNode(
      defaultNodeOptions({
        workers: 2,
        logLevel: 'silent',
        store: couchStoreRef(couch.couch.url, DB),
        services: turnServices({ narrator: { narrator: 'offline', pace: { firstChunkMs: 0, chunksPerSec: 1000 } } as never, workflows: { world: 'testworld', fanOutTargets: ['log', webhook] } }),
      }),
    );
    node.bind({ kind: GATEWAY_KIND, id: node.id }, (msg: SessionDelivery) => {
      if (msg?.type !== 'session-event') return;
      events.push(msg.event);
      for (const w of waiters.splice(0)) w();
    });
  });

  after(async () => {
    await node?.close();
    await couch?.stop();
    await new Promise<void>((resolve) => hook.close(() => resolve()));
  });

  async function until(id: string, match: (e: SessionEvent) => boolean): Promise<SessionEvent> {
    for (;;) {
      const found = events.find((e) => e.session === id && match(e));
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  }

  /** Waits on CouchDB's _changes (longpoll) until document `id` exists and satisfies `ok`. */
  async function untilDoc<T>(id: string, ok: (doc: T) => boolean): Promise<T> {
    const db = nano(couch.couch.url).use<{ state: T }>(DB);
    let since: string | number = 0;
    for (;;) {
      const doc = await db.get(id).catch(() => null);
      if (doc !== null && ok(doc.state)) return doc.state;
      const changes: { last_seq: string | number } = await db.changes({ feed: 'longpoll', since, timeout: 10_000 });
      since = changes.last_seq;
    }
  }

  test('a committed turn is consolidated into lore documents lore:<world>:<slug> in the node store, from its narration only', async () => {
    await session.ref(node, 'inproc-1').ask({ type: 'join-session', player: 'Ilsa', node: node.id });
    const accepted = await session.ref(node, 'inproc-1').ask({ type: 'turn', player: 'Ilsa', text: 'I whisper the Swordfish password at the Salt Gate.' });
    const committed = await until('inproc-1', (e) => e.type === 'turn-committed' && e.turn === accepted.turn);
    assert.ok(committed.type === 'turn-committed' && committed.narration.includes('Ilsa'), 'the offline narrator names the player');
    const ilsa = await untilDoc<LoreDocument>('lore:testworld:ilsa', (d) => d.sources?.includes('inproc-1#1'));
    assert.equal(ilsa.title, 'Ilsa');
    assert.deepEqual(ilsa.tags, ['entity', 'session:inproc-1']);
    assert.equal(ilsa.source, 'inproc-1#1');
    const summary = await untilDoc<LoreDocument>('lore:testworld:session-inproc-1', (d) => d.sources?.includes('inproc-1#1'));
    assert.match(summary.body, /^Ilsa: Ilsa /);
    // The player's own text (which a moderator may redact) is in no lore document.
    const lore = await nano(couch.couch.url).use(DB).list({ include_docs: true, startkey: 'lore:', endkey: 'lore:\ufff0' });
    assert.ok(lore.rows.length >= 2);
    assert.doesNotMatch(JSON.stringify(lore.rows), /Swordfish|Salt Gate/);
    const saved = await untilDoc<{ workflows?: unknown }>('session:inproc-1', (s) => s.workflows === undefined);
    assert.equal(saved.workflows, undefined, 'the start left the session once the run finished');
    const stats = node.mainService<WorkflowFront>(WORKFLOW_SERVICE)!.stats();
    assert.equal(stats.mode, 'in-process');
    assert.ok(stats.perHour >= 1);
    assert.equal(stats.active, 0);
    assert.ok(stats.lagP95Seconds !== null);
  });

  test("an applied override's fan-out reaches the webhook once, under fanout:<audit id>", async () => {
    const facts = { audit: { id: 7001, hash: 'cd'.repeat(32) }, moderator: 'mod-1', command: 'pause' as const, target: { kind: 'session' as const, id: 'inproc-1' }, reason: 'a break' };
    startOverrideFanOut(node, facts, createLogger('test', 'silent'));
    while (notices.length < 1) await new Promise<void>((resolve) => noticeWaiters.push(resolve));
    assert.deepEqual(notices[0], { body: { type: 'override-applied', auditId: 7001, auditHash: 'cd'.repeat(32), moderator: 'mod-1', command: 'pause', target: 'session:inproc-1', reason: 'a break' }, key: 'fanout:7001' });
    // Asked again (another node, a retry): the same id, answered already-started, not sent again.
    const front = node.mainService<WorkflowFront>(WORKFLOW_SERVICE)!;
    const again = await front.start({ type: 'moderationFanOut', id: 'fanout:7001', input: { notice: notices[0].body }, requestedAt: Date.now() });
    assert.equal(again.status, 'already-started');
    assert.equal(notices.length, 1);
  });
});
