// Budgets end to end on a real node (2 workers, embedded CouchDB, the real turn graph and narrator
// chain, uWS sockets, the PostgreSQL audit log for the moderator's narrate) against a real HTTP
// provider server that counts the calls made to it. One call costs 0.009 USD (100 input tokens at
// 50 USD/MTok, 20 output at 200 USD/MTok): a world with 0.01 USD a week is at 90 % after one call.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AuditLog, ModeratorClient, ProtocolErrors, startGateway, type Gateway } from '../../clients/index.js';
import { narratorConfig, startDefaultNode, turnServices } from '../../cluster/index.js';
import { createLogger } from '../../runtime/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { startProviderServer, type ProviderServer } from '../fixtures/provider-servers.js';
import { dropSchema, testPgUrl, uniqueSchema } from '../integration/audit-harness.js';
import { TEST_KEYS, tokenFor } from './tokens.js';
import { idsOnDifferentThreads, TestClient } from './ws-client.js';

const TURN_MS = 20_000;

describe('budgets and the human GM queue end to end', () => {
  let provider: ProviderServer;
  let node: GlassNode;
  let gateway: Gateway;
  let audit: AuditLog;
  let schema: string;
  let dataDir: string;
  let wsUrl: string;
  let httpUrl: string;
  let mod: TestClient;
  const clients: TestClient[] = [];

  before(async () => {
    provider = await startProviderServer('openai');
    dataDir = await mkdtemp(join(tmpdir(), 'glass-e2e-budgets-'));
    const narrator = narratorConfig({
      narrator: 'openai',
      openai: { baseURL: provider.baseURL, model: 'budget-test' },
      prices: { 'openai:budget-test': { inputPerMTok: 50, outputPerMTok: 200 } },
      // No fallback left when the provider is down: an outage escalates to the human GM queue.
      offlineFallback: false,
      pace: { firstChunkMs: 0, chunksPerSec: 0 },
    });
    const budget = {
      sessionUsd: 0.015,
      worlds: { offworld: { weeklyUsd: 0.01, policy: 'offline' }, waitworld: { weeklyUsd: 0.01, policy: 'wait' }, tinyworld: { weeklyUsd: 0.005, policy: 'offline' } },
    };
    node = await startDefaultNode({ workers: 2, logLevel: 'silent', services: turnServices({ narrator, budget }) }, { ...process.env, COUCHDB_URL: '', GLASS_DATA_DIR: dataDir });
    schema = uniqueSchema('e2e_budget');
    audit = AuditLog.open({ url: await testPgUrl(), schema, logger: createLogger('test', 'silent'), key: 'budget-test-audit-key-0123456789abcdef', anchor: null });
    await audit.whenReady();
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, audit, rateLimit: { burst: 500, perSecond: 500 } });
    wsUrl = `ws://127.0.0.1:${gateway.port}/ws`;
    httpUrl = `http://127.0.0.1:${gateway.port}`;
    mod = await connect('gm-ada', ['moderator']);
    // The queue has handled the node's `watch` (asked first, same sender) once this list answers.
    assert.equal((await api('GET', '/api/gm-queue', await tokenFor('gm-ada', { roles: ['moderator'] }))).status, 200);
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gateway?.close();
    await node?.close();
    await audit?.close();
    if (schema !== undefined) await dropSchema(schema);
    await provider?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function connect(player: string, roles: ('player' | 'moderator' | 'ops')[] = ['player']): Promise<TestClient> {
    const client = await TestClient.connect(wsUrl, player, { roles });
    clients.push(client);
    return client;
  }

  async function api(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
    const res = await fetch(httpUrl + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  }

  async function joinSession(client: TestClient, session: string, world?: string): Promise<void> {
    const ref = `js-${session}`;
    client.send({ type: 'join-session', session, ref, ...(world !== undefined && { world }) });
    await client.next('session-joined', (f) => f.ref === ref);
  }

  async function turn(client: TestClient, session: string, text: string, ref: string): Promise<number> {
    client.send({ type: 'turn', session, text, ref });
    return (await client.next('turn-accepted', (f) => f.ref === ref)).turn;
  }

  test('85 % under policy offline: moderators are told, the GM queue lists the session, and turns go on offline with no provider call', async () => {
    const ann = await connect('ann-b');
    await joinSession(ann, 'saga-off', 'offworld');
    const calls = provider.requests.length;
    const t1 = await turn(ann, 'saga-off', 'I open the gate', 't1');
    const first = await ann.next('turn-committed', (f) => f.turn === t1, TURN_MS);
    assert.equal(first.provider, 'openai:budget-test');
    assert.equal(provider.requests.length, calls + 1);

    const told = await mod.next('gm-queue', (f) => f.item.session === 'saga-off');
    assert.deepEqual([told.change, told.item.world, told.item.reason, told.item.holding], ['escalated', 'offworld', 'budget', false]);
    assert.ok(Math.abs(told.item.spentUsd! - 0.009) < 1e-9 && told.item.limitUsd === 0.01);

    const t2 = await turn(ann, 'saga-off', 'I cross the courtyard', 't2');
    const second = await ann.next('turn-committed', (f) => f.turn === t2, TURN_MS);
    assert.equal(second.provider, 'offline', 'past 85 % the offline narrator answers');
    assert.deepEqual(second.degraded, { from: 'budget:offworld', reason: 'budget' }, 'and players are told why');
    assert.equal(provider.requests.length, calls + 1, 'no provider call past 85 %');

    const token = await tokenFor('gm-ada', { roles: ['moderator'] });
    const listed = await api('GET', '/api/gm-queue', token);
    assert.equal(listed.status, 200);
    assert.ok(listed.json.items.some((i: any) => i.session === 'saga-off' && i.reason === 'budget'));
    assert.equal((await api('GET', '/api/gm-queue', await tokenFor('pat-b'))).json.code, ProtocolErrors.FORBIDDEN);
    const taken = await api('POST', '/api/gm-queue/take', token, { session: 'saga-off' });
    assert.deepEqual([taken.status, taken.json.item.takenBy], [200, 'gm-ada']);
    assert.equal((await mod.next('gm-queue', (f) => f.change === 'taken')).item.session, 'saga-off');
    const missing = await api('POST', '/api/gm-queue/take', token, { session: 'no-such-saga' });
    assert.deepEqual([missing.status, missing.json.code], [404, ProtocolErrors.GM_ITEM_NOT_FOUND]);
    assert.equal((await api('POST', '/api/gm-queue/take', token, { session: 42 })).json.code, ProtocolErrors.BAD_REQUEST);
    // The moderator SDK (what `glass mod gm-queue` and `gm-take` call).
    const client = new ModeratorClient({ url: httpUrl, token });
    assert.ok((await client.gmQueue()).items.some((i) => i.session === 'saga-off' && i.takenBy === 'gm-ada'));
    await assert.rejects(client.takeGmItem('no-such-saga'), { code: ProtocolErrors.GM_ITEM_NOT_FOUND, status: 404 });
  });

  test('100 %: the turn is refused, typed, and no provider is called — by the session that knows, and by another session of the world on the other worker', async () => {
    const [tiny, tiny2] = idsOnDifferentThreads((id) => node.threadOf(id), 'saga-tiny');
    const bo = await connect('bo-b');
    await joinSession(bo, tiny, 'tinyworld');
    const calls = provider.requests.length;
    const t1 = await turn(bo, tiny, 'I light the beacon', 't1');
    await bo.next('turn-committed', (f) => f.turn === t1, TURN_MS);
    assert.equal(provider.requests.length, calls + 1);
    // 0.009 of 0.005: exhausted. The session knows it: refused at once, nothing queued.
    assert.equal((await bo.expectError({ type: 'turn', session: tiny, text: 'again', ref: 't2' }, 't2')).code, ProtocolErrors.BUDGET_EXHAUSTED);
    // Another session of the same world, on the other worker, learns it from the world's actor before any call.
    const cy = await connect('cy-b');
    await joinSession(cy, tiny2, 'tinyworld');
    const t = await turn(cy, tiny2, 'I light the other beacon', 't1');
    const failed = await cy.next('turn-failed', (f) => f.turn === t, TURN_MS);
    assert.equal(failed.code, ProtocolErrors.BUDGET_EXHAUSTED);
    assert.equal(provider.requests.length, calls + 1, 'no narrator call at 100 %');
  });

  test('a session\'s own ceiling refuses its next turn with the same family of code', async () => {
    const di = await connect('di-b');
    await joinSession(di, 'saga-ceiling');
    for (const ref of ['t1', 't2']) {
      const n = await turn(di, 'saga-ceiling', `I walk on (${ref})`, ref);
      await di.next('turn-committed', (f) => f.turn === n, TURN_MS);
    }
    // 0.018 USD spent of a 0.015 ceiling (the default world has no weekly budget).
    assert.equal((await di.expectError({ type: 'turn', session: 'saga-ceiling', text: 'once more', ref: 't3' }, 't3')).code, ProtocolErrors.BUDGET_SESSION_EXHAUSTED);
  });

  test('policy wait holds turns (bounded queue, typed refusal past it) until a moderator narrates', async () => {
    const ed = await connect('ed-b');
    await joinSession(ed, 'saga-wait', 'waitworld');
    const t1 = await turn(ed, 'saga-wait', 'I knock', 't1');
    await ed.next('turn-committed', (f) => f.turn === t1, TURN_MS);
    const calls = provider.requests.length;
    assert.equal((await mod.next('gm-queue', (f) => f.item.session === 'saga-wait')).item.holding, true);

    const t2 = await turn(ed, 'saga-wait', 'I knock again', 't2');
    assert.equal((await ed.next('turn-held', (f) => f.turn === t2, TURN_MS)).reason, 'budget');
    // Backpressure: eight more wait behind the held turn, the ninth is refused.
    for (let i = 0; i < 8; i++) await turn(ed, 'saga-wait', `I wait (${i})`, `q${i}`);
    assert.equal((await ed.expectError({ type: 'turn', session: 'saga-wait', text: 'and wait', ref: 'q8' }, 'q8')).code, ProtocolErrors.TURN_QUEUE_FULL);

    mod.send({ type: 'override', session: 'saga-wait', command: 'narrate', text: 'The door opens from within.', reason: 'budget', ref: 'n1' });
    await mod.next('override-applied', (f) => f.ref === 'n1', TURN_MS);
    const answered = await ed.next('turn-committed', (f) => f.turn === t2, TURN_MS);
    assert.deepEqual([answered.narration, answered.provider], ['The door opens from within.', 'gm']);
    // The next queued turn is held in its turn: still no provider call.
    await ed.next('turn-held', (f) => f.turn === t2 + 1, TURN_MS);
    assert.equal(provider.requests.length, calls, 'no provider call while the world waits for a GM');
  });

  test('a provider outage with no fallback left escalates to the human GM queue', async () => {
    const fe = await connect('fe-b');
    await joinSession(fe, 'saga-outage');
    provider.script({ kind: 'status', status: 500 });
    const n = await turn(fe, 'saga-outage', 'I call for help', 't1');
    assert.equal((await fe.next('turn-failed', (f) => f.turn === n, TURN_MS)).code, ProtocolErrors.NARRATION_UNAVAILABLE);
    const told = await mod.next('gm-queue', (f) => f.item.session === 'saga-outage');
    assert.deepEqual([told.change, told.item.reason, told.item.world], ['escalated', 'outage', 'default']);
    // The provider is back: the next narrated turn takes the session out of the queue.
    const m = await turn(fe, 'saga-outage', 'I call again', 't2');
    assert.equal((await fe.next('turn-committed', (f) => f.turn === m, TURN_MS)).provider, 'openai:budget-test');
    assert.equal((await mod.next('gm-queue', (f) => f.item.session === 'saga-outage' && f.change === 'resolved')).item.reason, 'outage');
  });

  test('/metrics has tokens and cost per session and world, budget use and the GM queue depth', async () => {
    const r = await api('GET', '/metrics', await tokenFor('ops-b', { roles: ['ops'] }));
    assert.equal(r.status, 200);
    const line = (prefix: string): number => {
      const l = r.text.split('\n').find((x) => x.startsWith(prefix));
      assert.ok(l !== undefined, `no metric line starting ${prefix}`);
      return Number(l.slice(l.lastIndexOf(' ') + 1));
    };
    assert.ok(Math.abs(line('glass_llm_cost_usd_total{session="saga-ceiling",world="default"') - 0.018) < 1e-9);
    assert.equal(line('glass_llm_tokens_total{session="saga-ceiling",world="default",direction="input"'), 200);
    assert.ok(line('glass_world_cost_usd_total{world="offworld"') > 0);
    assert.equal(line('glass_budget_world_use_ratio{world="tinyworld"'), 0.009 / 0.005);
    assert.ok(line('glass_gm_queue_depth{state="all"') >= 3);
    assert.ok(line('glass_gm_escalations_total') >= 3);
    assert.match(r.text, /glass_scaling_signal\{signal="gm-queue-depth"/);
  });

  test('the ops view carries each world\'s use, the costliest sessions and the GM queue, and the budget signals', async () => {
    const r = await api('GET', '/ops/api/view', await tokenFor('ops-b', { roles: ['ops'] }));
    assert.equal(r.status, 200);
    const n = r.json.nodes[0];
    const tiny = n.budgets.worlds.find((w: any) => w.world === 'tinyworld');
    assert.deepEqual([tiny.limitUsd, tiny.use > 1], [0.005, true]);
    assert.ok(n.budgets.sessions.some((s: any) => s.session === 'saga-ceiling'));
    assert.ok(n.budgets.gmQueue.depth >= 3);
    const signal = n.signals.find((s: any) => s.id === 'world-budget-use');
    assert.deepEqual([signal.over, signal.detail], [true, 'world tinyworld']);
    assert.equal(n.signals.find((s: any) => s.id === 'gm-queue-depth').over, true);
  });
});
