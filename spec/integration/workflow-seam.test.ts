// The actor → Temporal seam over real gRPC: a node (two workers, state in CouchDB) whose workflow
// front holds a real @temporalio/client connection to a WorkflowService server this test owns
// (spec/fixtures/temporal-frontend.ts). Each committed turn starts `consolidate:<session>:<turn>`
// once (a turn whose checks overran starts `checks:<session>:<turn>`); a lost reply, and a worker
// that dies with the start in flight, still make one execution.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import nano from 'nano';
import { session, type SessionDelivery, type SessionEvent } from '../../actors/index.js';
import { couchStoreRef, defaultNodeOptions, GAME_ACTORS, WORKFLOW_FRONT, WORKFLOW_STARTER, type WorkflowFront } from '../../cluster/index.js';
import { GATEWAY_KIND, WORKFLOW_SERVICE } from '../../runtime/index.js';
import { startNode, type GlassNode } from '../../runtime/node/index.js';
import { startTestCouch } from '../contract/couch-harness.js';
import { crasher } from '../fixtures/crash-actors.js';
import { FakeTemporalFrontend } from '../fixtures/temporal-frontend.js';
import { fixtureTurnService } from '../fixtures/turn-runner-fixtures.js';
import { idsOnThread } from './node-harness.js';
import { nextRestart } from './worker-events.js';

const CRASH_ACTORS = new URL('../fixtures/crash-actors.js', import.meta.url).href;
const DB = `workflow_seam_${process.pid}`;

describe('sessions start their workflows on Temporal, one start per turn', () => {
  let couch: Awaited<ReturnType<typeof startTestCouch>>;
  let frontend: FakeTemporalFrontend;
  let node: GlassNode;
  const events: SessionEvent[] = [];
  const waiters: (() => void)[] = [];

  before(async () => {
    couch = await startTestCouch('workflow-seam');
    frontend = new FakeTemporalFrontend();
    const address = await frontend.listen();
    const workflows = { temporal: { address } };
    node = await startNode(
      defaultNodeOptions({
        workers: 2,
        logLevel: 'silent',
        actorModules: [GAME_ACTORS, CRASH_ACTORS],
        store: couchStoreRef(couch.couch.url, DB),
        services: {
          turns: fixtureTurnService(),
          [WORKFLOW_SERVICE]: { main: { ...WORKFLOW_FRONT, options: workflows }, worker: { ...WORKFLOW_STARTER, options: workflows } },
        },
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
    await frontend?.close();
    await couch?.stop();
  });

  async function until(id: string, match: (e: SessionEvent) => boolean): Promise<SessionEvent> {
    for (;;) {
      const found = events.find((e) => e.session === id && match(e));
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  }

  /** Waits on CouchDB's _changes (longpoll) until the session's saved state has no start pending. */
  async function untilNoPendingStarts(id: string): Promise<Record<string, unknown>> {
    const db = nano(couch.couch.url).use<{ state: Record<string, unknown> }>(DB);
    let since: string | number = 0;
    for (;;) {
      const doc = await db.get(`session:${id}`).catch(() => null);
      if (doc !== null && doc.state.workflows === undefined && (doc.state.transcript as unknown[]).length > 0) return doc.state;
      const changes: { last_seq: string | number } = await db.changes({ feed: 'longpoll', since, timeout: 10_000 });
      since = changes.last_seq;
    }
  }

  async function playTurn(id: string, player: string, text: string): Promise<number> {
    const accepted = await session.ref(node, id).ask({ type: 'turn', player, text });
    await until(id, (e) => e.type === 'turn-committed' && e.turn === accepted.turn);
    return accepted.turn;
  }

  test('three committed turns: consolidate:<session>:<turn> started once each, with the world and the turn', async () => {
    await session.ref(node, 'wf-a').ask({ type: 'join-session', player: 'ann', node: node.id });
    for (const text of ['I greet Maren', 'I ask about the Old Mill', 'I leave']) await playTurn('wf-a', 'ann', text);
    for (const turn of [1, 2, 3]) await frontend.calledTimes(`consolidate:wf-a:${turn}`, 1);
    const mine = frontend.calls.filter((c) => c.workflowId.startsWith('consolidate:wf-a:'));
    assert.deepEqual(mine.map((c) => c.workflowId), ['consolidate:wf-a:1', 'consolidate:wf-a:2', 'consolidate:wf-a:3']);
    for (const c of mine) {
      assert.deepEqual([c.workflowType, c.taskQueue, c.namespace, c.reusePolicy], ['storyConsolidation', 'glass-workflows', 'default', 3], 'REJECT_DUPLICATE: a closed execution is not started again either');
      assert.equal((c.input as { world: string }).world, 'default');
      assert.equal((c.input as { session: string }).session, 'wf-a');
    }
    assert.match(String((mine[1].input as { narration: string }).narration), /OLD MILL/);
    const state = await untilNoPendingStarts('wf-a');
    assert.equal(state.workflows, undefined, 'each acknowledged start left the saved state');
    const front = node.mainService<WorkflowFront>(WORKFLOW_SERVICE)!;
    const stats = front.stats();
    assert.equal(stats.mode, 'temporal');
    assert.ok(stats.perHour >= 3);
  });

  test('a turn whose checks overran its deadline starts checks:<session>:<turn> with the same request, and no consolidation', async () => {
    await session.ref(node, 'wf-checks').ask({ type: 'join-session', player: 'dee', node: node.id });
    const accepted = await session.ref(node, 'wf-checks').ask({ type: 'turn', player: 'dee', text: 'I climb and search [rules-timeout]' });
    await until('wf-checks', (e) => e.type === 'turn-failed' && e.turn === accepted.turn);
    await frontend.calledTimes(`checks:wf-checks:${accepted.turn}`, 1);
    const call = frontend.calls.find((c) => c.workflowId === `checks:wf-checks:${accepted.turn}`)!;
    assert.equal(call.workflowType, 'checkRunner');
    assert.deepEqual(call.input, { session: 'wf-checks', turn: accepted.turn, request: { session: 'wf-checks', turn: accepted.turn, player: 'dee', text: 'I climb and search [rules-timeout]', modifiers: {}, momentum: 0 } });
    // The start waits for the run's close event; the run's result goes back to the session.
    const checks = [{ skill: 'athletics', roll: 14, modifier: 2, total: 16, difficulty: 12, outcome: 'success' }];
    frontend.complete(call.workflowId, { results: checks });
    const late = await until('wf-checks', (e) => e.type === 'turn-checks');
    assert.deepEqual(late, { type: 'turn-checks', session: 'wf-checks', seq: late.seq, turn: accepted.turn, player: 'dee', checks });
    const state = await untilNoPendingStarts('wf-checks');
    const failed = (state.transcript as { turn: number; failed?: unknown; lateChecks?: unknown }[]).find((t) => t.turn === accepted.turn)!;
    assert.deepEqual(failed.lateChecks, { seq: late.seq, checks }, 'saved with the failed turn');
    assert.equal(frontend.calls.some((c) => c.workflowId.startsWith('consolidate:wf-checks:')), false, 'a failed turn is not consolidated');
  });

  test("a checkRunner result that is not a list of checks changes nothing, and the start still leaves the state", async () => {
    await session.ref(node, 'wf-badchecks').ask({ type: 'join-session', player: 'eve', node: node.id });
    const accepted = await session.ref(node, 'wf-badchecks').ask({ type: 'turn', player: 'eve', text: 'I pick the lock [rules-timeout]' });
    await frontend.calledTimes(`checks:wf-badchecks:${accepted.turn}`, 1);
    frontend.complete(`checks:wf-badchecks:${accepted.turn}`, { results: [{ skill: 'stealth', roll: 'twenty' }] });
    const state = await untilNoPendingStarts('wf-badchecks');
    const failed = (state.transcript as { turn: number; lateChecks?: unknown }[]).find((t) => t.turn === accepted.turn)!;
    assert.equal(failed.lateChecks, undefined);
    assert.equal(events.some((e) => e.session === 'wf-badchecks' && e.type === 'turn-checks'), false);
  });

  test('a reply lost after the server took the start: retried, answered already-started, one execution', async () => {
    await session.ref(node, 'wf-lost').ask({ type: 'join-session', player: 'bob', node: node.id });
    frontend.plans.set('consolidate:wf-lost:1', 'accept-then-unavailable');
    await playTurn('wf-lost', 'bob', 'I knock twice');
    await frontend.calledTimes('consolidate:wf-lost:1', 2);
    await untilNoPendingStarts('wf-lost');
    assert.equal([...frontend.executions.keys()].filter((k) => k === 'consolidate:wf-lost:1').length, 1);
    assert.ok(node.mainService<WorkflowFront>(WORKFLOW_SERVICE)!.stats().duplicates >= 1);
  });

  test('the worker dies with the start in flight: the session comes back, starts again, and the server still holds one execution', async () => {
    const thread = node.threadOf('wf-crash');
    const [killer] = idsOnThread(node, thread, 'wf-crasher', 1);
    assert.equal(await crasher.ref(node, killer).ask({ type: 'ping' }), 'pong');
    await session.ref(node, 'wf-crash').ask({ type: 'join-session', player: 'cy', node: node.id });
    frontend.plans.set('consolidate:wf-crash:1', 'hold');
    await playTurn('wf-crash', 'cy', 'I light the lamp');
    // The commit is saved and its start is at the server, unanswered: now the worker dies.
    await frontend.calledTimes('consolidate:wf-crash:1', 1);
    const restarted = nextRestart(node, thread);
    crasher.ref(node, killer).tell({ type: 'exit', code: 3 });
    await restarted;
    frontend.release();
    // Any message activates the session; its activation releases the start it saved.
    await session.ref(node, 'wf-crash').ask({ type: 'wake' });
    await frontend.calledTimes('consolidate:wf-crash:1', 2);
    const state = await untilNoPendingStarts('wf-crash');
    assert.equal(frontend.calls.filter((c) => c.workflowId === 'consolidate:wf-crash:1').length, 2, 'started twice over the wire');
    assert.equal([...frontend.executions.keys()].filter((k) => k.startsWith('consolidate:wf-crash:')).length, 1, 'one execution');
    assert.equal((state.transcript as { turn: number }[]).filter((t) => t.turn === 1).length, 1, 'the turn was committed once');
  });
});
