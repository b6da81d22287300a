import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runChecks } from '../../actors/session/check-model.js';
import { RulesErrors, type CheckRequest } from '../../actors/session/rules.js';
import { RULES_CLIENT, RULES_POOL, createRulesPoolService } from '../../cluster/rules/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { RULES_ACTORS } from '../fixtures/rules-actors.js';
import { RULES_TEST_TASKS } from '../fixtures/rules-tasks.js';
import { idsOnThread, startTestNode } from './node-harness.js';

type Answer = { ok: true; results: unknown[]; threadId: number } | { ok: false; code: string | null; message: string };

function req(over: Partial<CheckRequest> = {}): CheckRequest {
  return { session: 'sess', turn: 3, player: 'ana', text: 'I carefully climb the tower and sneak in', modifiers: { athletics: 2, stealth: -1 }, momentum: 1, ...over };
}

describe('the rules pool as a node service (real node, real workers, real piscina)', () => {
  let node: GlassNode;

  before(async () => {
    node = await startTestNode({
      actorModules: [RULES_ACTORS],
      services: {
        rules: {
          main: { ...RULES_POOL, options: { threads: 1, taskTimeoutMs: 3_000, maxQueue: 8, taskModule: RULES_TEST_TASKS } },
          worker: { ...RULES_CLIENT, options: { timeoutMs: 5_000 } },
        },
      },
    });
  });

  after(async () => {
    await node.close();
  });

  function ask(thread: number, request: unknown, timeoutMs?: number): Promise<Answer> {
    const [id] = idsOnThread(node, thread, 'checker', 1);
    return node.ask({ kind: 'checker', id }, { type: 'check', request, timeoutMs }, { timeoutMs: 20_000 }) as Promise<Answer>;
  }

  test('checks asked from both workers equal the check model run directly', async () => {
    for (const thread of [1, 2]) {
      for (const turn of [1, 2, 3]) {
        const answer = await ask(thread, req({ turn }));
        assert.equal(answer.ok, true, JSON.stringify(answer));
        assert.deepEqual((answer as { results: unknown[] }).results, runChecks(req({ turn })));
      }
    }
    const none = await ask(1, req({ text: 'I wave' }));
    assert.deepEqual(none, { ...none, ok: true, results: [] });
  });

  test('a task that throws is GLASS_ERR_RULES_FAILED, and the next check still works', async () => {
    const failed = await ask(1, req({ text: '!throw' }));
    assert.equal(failed.ok, false);
    assert.equal((failed as { code: string }).code, RulesErrors.FAILED);
    const next = await ask(1, req());
    assert.deepEqual((next as { results: unknown[] }).results, runChecks(req()));
  });

  test('a spinning task is GLASS_ERR_RULES_TIMEOUT; its worker answers meanwhile; the pool replaces its thread', async () => {
    let settled = false;
    const spinning = ask(1, req({ text: '!spin' })).finally(() => (settled = true));
    // Another actor on the same worker answers while the check spins in the pool.
    const [echoId] = idsOnThread(node, 1, 'echo', 1);
    const pong = (await node.ask({ kind: 'echo', id: echoId }, { type: 'ping' })) as { pong: boolean };
    assert.equal(pong.pong, true);
    assert.equal(settled, false, 'the echo answered while the check was still spinning in the pool (3 s task timeout)');
    const timedOut = await spinning;
    assert.equal((timedOut as { code: string }).code, RulesErrors.TIMEOUT, JSON.stringify(timedOut));
    // The pool's only thread was terminated: the next check runs on its replacement.
    const next = await ask(2, req({ turn: 9 }));
    assert.deepEqual((next as { results: unknown[] }).results, runChecks(req({ turn: 9 })));
  });

  test('the client\'s own timeout is honoured, typed, and the next check works', async () => {
    const timedOut = await ask(2, req({ text: '!spin' }), 50);
    assert.equal((timedOut as { code: string }).code, RulesErrors.TIMEOUT);
    const next = await ask(2, req());
    assert.equal(next.ok, true);
  });

  test('a malformed request is a typed refusal from the client, never a crash', async () => {
    const bad = await ask(1, { session: 'x' });
    assert.equal((bad as { code: string }).code, RulesErrors.INVALID);
  });
});

describe('the rules pool\'s port is hostile until verified', () => {
  test('wrong shapes are answered with GLASS_ERR_RULES_INVALID, a full queue with GLASS_ERR_RULES_BUSY, close with CLOSED', async () => {
    const service = createRulesPoolService({ nodeId: 't', options: { threads: 1, maxQueue: 0, taskTimeoutMs: 300, taskModule: RULES_TEST_TASKS } });
    const port = service.connect(1);
    const replies: Record<string, unknown>[] = [];
    const waiters: (() => void)[] = [];
    port.on('message', (m: Record<string, unknown>) => {
      replies.push(m);
      waiters.shift()?.();
    });
    const next = (): Promise<Record<string, unknown>> => new Promise((resolve) => {
      if (replies.length > 0) return resolve(replies.shift()!);
      waiters.push(() => resolve(replies.shift()!));
    });
    try {
      port.postMessage('hello');
      assert.deepEqual(await next(), { id: null, ok: false, error: { code: RulesErrors.INVALID, message: 'rules pool: a message must be an object' } });
      port.postMessage({ type: 'check', id: 1.5 });
      assert.equal(((await next()).error as { code: string }).code, RulesErrors.INVALID);
      port.postMessage({ type: 'nope', id: 2 });
      assert.deepEqual({ ...(await next()), error: undefined }, { id: 2, ok: false, error: undefined });
      port.postMessage({ type: 'check', id: 3, timeoutMs: 100, request: { session: 's' } });
      const invalid = await next();
      assert.equal(invalid.id, 3);
      assert.equal((invalid.error as { code: string }).code, RulesErrors.INVALID);
      // One thread, no queue: a spinning task holds it, the next request is refused at once.
      port.postMessage({ type: 'check', id: 4, timeoutMs: 300, request: req({ text: '!spin' }) });
      port.postMessage({ type: 'check', id: 5, timeoutMs: 300, request: req() });
      const busy = await next();
      assert.deepEqual([busy.id, (busy.error as { code: string }).code], [5, RulesErrors.BUSY]);
      const spun = await next();
      assert.deepEqual([spun.id, (spun.error as { code: string }).code], [4, RulesErrors.TIMEOUT]);
      // The spinning task's thread was terminated: the next check runs once piscina has replaced it
      // (a loaded machine may take longer than the task timeout to start it: asked again until then).
      let answer: Record<string, unknown> = {};
      for (let id = 6; id < 40; id++) {
        port.postMessage({ type: 'check', id, timeoutMs: 300, request: req() });
        answer = await next();
        if (answer.ok === true) break;
        assert.ok([RulesErrors.TIMEOUT, RulesErrors.BUSY].includes((answer.error as { code: string }).code as never), JSON.stringify(answer));
      }
      assert.deepEqual(answer.results, runChecks(req()));
    } finally {
      await service.close();
      port.close();
    }
    assert.throws(() => service.connect(2), { code: RulesErrors.CLOSED });
  });

  test('options are checked: a bad one is GLASS_ERR_INVALID_OPTION naming it', () => {
    for (const options of [{ threads: 0 }, { threads: 1.5 }, { taskTimeoutMs: -1 }, { maxQueue: 'x' }, { taskModule: '' }, { unknown: 1 }, 'str']) {
      assert.throws(() => createRulesPoolService({ nodeId: 't', options }), { code: 'GLASS_ERR_INVALID_OPTION' }, JSON.stringify(options));
    }
  });
});
