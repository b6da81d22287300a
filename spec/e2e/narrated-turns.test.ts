// Narrated turns end to end on the game's real services: the LangGraph turn graph in the workers,
// checks on the node's piscina pool, the offline narrator, the safety registry, checkpoints in the
// embedded CouchDB store; real uWS sockets. A worker is killed in the middle of a narration.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runChecks } from '../../actors/index.js';
import { startGateway, type Gateway, type ServerFrame } from '../../clients/index.js';
import { narratorConfig, startDefaultNode, turnServices } from '../../cluster/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { GAME_ACTORS_MODULE, WORKER_KILLER_MODULE } from './fixtures/worker-killer.js';
import { TEST_KEYS } from './tokens.js';
import { TestClient } from './ws-client.js';

describe('narrated turns on the real turn graph', () => {
  let node: GlassNode;
  let gateway: Gateway;
  let url: string;
  let dataDir: string;
  const clients: TestClient[] = [];

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'glass-e2e-narrated-'));
    // A paced offline narrator (a chunk every 25 ms) so that a worker can be killed mid-narration.
    const services = turnServices({ narrator: narratorConfig({ pace: { firstChunkMs: 0, chunksPerSec: 40 } }), safety: { categories: { 'test-villain': { patterns: ['moriarty'] } } } });
    node = await startDefaultNode({ workers: 2, logLevel: 'silent', actorModules: [GAME_ACTORS_MODULE, WORKER_KILLER_MODULE], services }, { ...process.env, COUCHDB_URL: '', GLASS_DATA_DIR: dataDir });
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, resumeWindowMs: 5_000, rateLimit: { burst: 500, perSecond: 500 } });
    url = `ws://127.0.0.1:${gateway.port}/ws`;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gateway?.close();
    await node?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function connect(player: string): Promise<TestClient> {
    const client = await TestClient.connect(url, player);
    clients.push(client);
    return client;
  }

  async function joinSession(client: TestClient, id: string) {
    const ref = `js-${id}`;
    client.send({ type: 'join-session', session: id, ref });
    return client.next('session-joined', (f) => f.ref === ref);
  }

  async function takeTurn(client: TestClient, session: string, text: string, ref: string) {
    client.send({ type: 'turn', session, text, ref });
    const accepted = await client.next('turn-accepted', (f) => f.ref === ref);
    return client.next('turn-committed', (f) => f.session === session && f.turn === accepted.turn, 20_000);
  }

  function chunks(client: TestClient, session: string, turn: number): { index: number; text: string }[] {
    return client.seen.filter((f: ServerFrame) => f.type === 'narration' && f.session === session && f.turn === turn) as never;
  }

  test('a turn is checked on the rules pool, narrated offline, streamed in order and committed; a second session narrates its own turn', async () => {
    const ann = await connect('ann-n');
    await joinSession(ann, 'saga-1');
    const text = 'I climb the wall carefully and search the tower';
    const committed = await takeTurn(ann, 'saga-1', text, 't1');
    assert.ok(committed.narration.length > 0);
    assert.equal(chunks(ann, 'saga-1', 1).map((c) => c.text).join(''), committed.narration, 'the chunks are the committed narration');
    assert.deepEqual(chunks(ann, 'saga-1', 1).map((c) => c.index), chunks(ann, 'saga-1', 1).map((_, i) => i));
    // The checks are the check model's, rolled on the pool: same session, turn, player and text, same rolls.
    assert.deepEqual(committed.checks, runChecks({ session: 'saga-1', turn: 1, player: 'ann-n', text, modifiers: {}, momentum: 0 }));
    assert.deepEqual(committed.checks.map((c: { skill: string }) => c.skill), ['athletics', 'investigation']);

    const ben = await connect('ann-n-twin');
    await joinSession(ben, 'saga-1b');
    const other = await takeTurn(ben, 'saga-1b', text, 't1');
    assert.equal(typeof other.narration, 'string');
    assert.notEqual(other.narration, '');
  });

  test('a narration that reaches a prohibited phrase is stopped before it is sent and the turn fails typed; the session goes on', async () => {
    // The offline narrator names the player, and this node's registry prohibits that name.
    const mor = await connect('moriarty');
    await joinSession(mor, 'saga-2');
    mor.send({ type: 'turn', session: 'saga-2', text: 'I look around', ref: 't1' });
    const failed = await mor.next('turn-failed', (f) => f.session === 'saga-2' && f.turn === 1, 20_000);
    assert.equal(failed.code, 'GLASS_ERR_SAFETY_REFUSED');
    assert.ok(!chunks(mor, 'saga-2', 1).some((c) => c.text.toLowerCase().includes('moriarty')), 'no chunk carried the prohibited phrase');
    const eve = await connect('eve-n');
    await joinSession(eve, 'saga-2');
    const committed = await takeTurn(eve, 'saga-2', 'I look around', 't2');
    assert.equal(committed.turn, 2);
  });

  test('the worker dies mid-narration: the session comes back, the graph resumes from its checkpoint, the turn is committed once, no duplicate chunk and no gap', async () => {
    const dee = await connect('dee-n');
    await joinSession(dee, 'saga-3');
    const thread = node.threadOf('saga-3');
    let killer = '';
    for (let i = 0; killer === ''; i++) if (node.threadOf(`killer-${i}`) === thread) killer = `killer-${i}`;
    const restarted = new Promise<void>((resolve) => {
      const off = node.supervisor.onRestart((h) => {
        if (h.thread !== thread) return;
        off();
        resolve();
      });
    });
    dee.send({ type: 'turn', session: 'saga-3', text: 'I sneak past the guards', ref: 't1' });
    await dee.next('narration', (f) => f.session === 'saga-3' && f.turn === 1 && f.index === 2, 20_000);
    node.tell({ kind: 'killer', id: killer }, { type: 'exit' });
    await restarted;
    const committed = await dee.next('turn-committed', (f) => f.session === 'saga-3' && f.turn === 1, 30_000);
    const seen = chunks(dee, 'saga-3', 1);
    assert.deepEqual(seen.map((c) => c.index), seen.map((_, i) => i), 'every chunk once, in order, no gap');
    assert.equal(seen.map((c) => c.text).join(''), committed.narration);
    assert.deepEqual(committed.checks, runChecks({ session: 'saga-3', turn: 1, player: 'dee-n', text: 'I sneak past the guards', modifiers: {}, momentum: 0 }), 'the checks are the ones rolled before the crash');
    const next = await takeTurn(dee, 'saga-3', 'I wait', 't2');
    assert.equal(next.turn, 2);
    assert.equal(dee.seen.filter((f: ServerFrame) => f.type === 'turn-committed' && f.session === 'saga-3' && f.turn === 1).length, 1, 'turn 1 committed once');
  });
});
