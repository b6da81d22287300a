// The activities of the three workflows, run as Temporal runs them (MockActivityEnvironment, with
// the wrapping `glass workflows worker` gives them), over a real MemoryStateStore and a real HTTP
// server standing in for a moderators' webhook.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import { createGlassActivities, digestTurn, loadTemporalWorker, type GlassActivities, type LoreDocument, type TurnDigest } from '../../cluster/index.js';
import type { CheckResult } from '../../actors/index.js';
import { createLogger, MemoryStateStore } from '../../runtime/index.js';

const log = createLogger('test', 'silent');
// The environment logs each failing activity; the assertions are what matters here.
const quiet = { logger: new DefaultLogger('ERROR', () => {}) };
const turn = { world: 'glass', session: 'tavern-1', turn: 3, player: 'ann', narration: 'Maren lowers her voice: the Old Mill has been dark since the Harvest Fire. Maren looks away.', summary: '' };

describe('workflow activities under MockActivityEnvironment', () => {
  let store: MemoryStateStore;
  let activities: GlassActivities;
  let hook: Server;
  let hookUrl: string;
  const received: { body: Record<string, unknown>; key: string | undefined }[] = [];
  let answer = 204;

  before(async () => {
    store = new MemoryStateStore();
    activities = await (await loadTemporalWorker()).temporalActivities(createGlassActivities({ store, log }));
    hook = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c));
      req.on('end', () => {
        received.push({ body: JSON.parse(text), key: req.headers['idempotency-key'] as string | undefined });
        res.statusCode = answer;
        res.end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/moderators`;
  });

  after(() => new Promise<void>((resolve) => hook.close(() => resolve())));

  test('summariseTurn: the deterministic gist and the named things of the turn', async () => {
    const env = new MockActivityEnvironment({ activityType: 'summariseTurn' }, quiet);
    const digest = (await env.run(activities.summariseTurn, turn)) as TurnDigest;
    assert.equal(digest.summary, 'ann: Maren lowers her voice: the Old Mill has been dark since the Harvest Fire.');
    assert.deepEqual(digest.entities.map((e) => [e.slug, e.title]), [['maren', 'Maren'], ['old-mill', 'Old Mill'], ['harvest-fire', 'Harvest Fire']]);
    assert.deepEqual(digest, digestTurn(turn), 'the same turn, the same digest');
    assert.equal(digest.entities[0].mentions.length, 2);
  });

  test('writeLore: documents lore:<world>:<slug> with {title, body, tags, source}; a rerun of the same turn changes nothing', async () => {
    const env = new MockActivityEnvironment({ activityType: 'writeLore' }, quiet);
    const digest = digestTurn(turn);
    const ids = await env.run(activities.writeLore, { world: 'glass', source: 'tavern-1#3', digest });
    assert.deepEqual(ids, ['lore:glass:maren', 'lore:glass:old-mill', 'lore:glass:harvest-fire', 'lore:glass:session-tavern-1']);
    const mill = (await store.load('lore', 'glass:old-mill'))!;
    const doc = mill.state as LoreDocument;
    assert.equal(doc.title, 'Old Mill');
    assert.match(doc.body, /dark since the Harvest Fire/);
    assert.deepEqual(doc.tags, ['entity', 'session:tavern-1']);
    assert.equal(doc.source, 'tavern-1#3');
    const session = (await store.load('lore', 'glass:session-tavern-1'))!.state as LoreDocument;
    assert.deepEqual([session.title, session.body, session.tags], ['Session tavern-1', digest.summary, ['session', 'session:tavern-1']]);

    await env.run(activities.writeLore, { world: 'glass', source: 'tavern-1#3', digest });
    assert.equal((await store.load('lore', 'glass:old-mill'))!.version, mill.version, 'a redelivered consolidation writes nothing');

    const next = digestTurn({ ...turn, turn: 4, narration: 'The Old Mill creaks.' });
    await env.run(activities.writeLore, { world: 'glass', source: 'tavern-1#4', digest: next });
    const merged = (await store.load('lore', 'glass:old-mill'))!.state as LoreDocument;
    assert.match(merged.body, /Harvest Fire[^]*creaks/, 'a later turn adds to the document');
    assert.deepEqual([merged.source, merged.sources], ['tavern-1#4', ['tavern-1#3', 'tavern-1#4']]);
  });

  test('writeLore: a document read back that is not lore is replaced, not merged; a bad world is not retried', async () => {
    const before = await store.load('lore', 'glass:maren');
    await store.save('lore', 'glass:maren', { title: 42, body: null }, before?.version ?? null, 0);
    const env = new MockActivityEnvironment({}, quiet);
    await env.run(activities.writeLore, { world: 'glass', source: 'tavern-1#9', digest: { summary: 's', entities: [{ slug: 'maren', title: 'Maren', mentions: ['Maren waves.'] }] } });
    const doc = (await store.load('lore', 'glass:maren'))!.state as LoreDocument;
    assert.deepEqual([doc.title, doc.body, doc.source], ['Maren', 'Maren waves.', 'tavern-1#9']);
    await assert.rejects(env.run(activities.writeLore, { world: '../etc', source: 'x#1', digest: { summary: '', entities: [] } }), (err: unknown) => err instanceof ApplicationFailure && err.nonRetryable);
  });

  test('runChecks: the check model, the same rolls as a turn; a malformed request is a non-retryable failure', async () => {
    const env = new MockActivityEnvironment({ activityType: 'runChecks' }, quiet);
    const request = { session: 'tavern-1', turn: 4, player: 'ann', text: 'I carefully climb the wall and search the loft', modifiers: {}, momentum: 0 };
    const results = (await env.run(activities.runChecks, { session: 'tavern-1', turn: 4, request })) as CheckResult[];
    assert.deepEqual(results.map((r) => r.skill), ['athletics', 'investigation']);
    assert.deepEqual(await env.run(activities.runChecks, { session: 'tavern-1', turn: 4, request }), results);
    await assert.rejects(env.run(activities.runChecks, { session: 'tavern-1', turn: 4, request: { text: 5 } as never }), (err: unknown) => err instanceof ApplicationFailure && err.nonRetryable && err.type === 'GLASS_ERR_WORKFLOW_INVALID');
  });

  test('notifyModerators: the webhook gets the notice once per call with the fan-out id as idempotency key; a 5xx is retried, a 4xx is not', async () => {
    const env = new MockActivityEnvironment({ activityType: 'notifyModerators' }, quiet);
    const notice = { auditId: 42, auditHash: 'ab'.repeat(32), moderator: 'mod-1', command: 'pause', target: 'session:tavern-1' };
    await env.run(activities.notifyModerators, { target: hookUrl, notice });
    assert.equal(received.length, 1);
    assert.deepEqual(received[0], { body: { type: 'override-applied', ...notice }, key: 'fanout:42' });
    await env.run(activities.notifyModerators, { target: 'log', notice });
    assert.equal(received.length, 1, 'the log target sends nothing');
    answer = 503;
    await assert.rejects(env.run(activities.notifyModerators, { target: hookUrl, notice }), (err: unknown) => !(err instanceof ApplicationFailure && err.nonRetryable));
    answer = 403;
    await assert.rejects(env.run(activities.notifyModerators, { target: hookUrl, notice }), (err: unknown) => err instanceof ApplicationFailure && err.nonRetryable);
    await assert.rejects(env.run(activities.notifyModerators, { target: 'file:///etc/passwd', notice }), (err: unknown) => err instanceof ApplicationFailure && err.nonRetryable);
  });
});
