import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ModerationErrors, RoomErrors } from '../../actors/actor-errors.js';
import { EMPTY_SCENE, MAX_TURN_LENGTH, NarrationErrors, RulesErrors, SafetyErrors, type TurnEvent, type TurnInput, type TurnOutcome } from '../../actors/session/index.js';
import { StoreCheckpointer } from '../../actors/session/store-checkpointer.js';
import { createTurnGraph, type TurnGraphServices } from '../../actors/session/turn-graph.js';
import { TurnErrors } from '../../actors/session/turn.js';
import { createCouchStateStore } from '../../cluster/index.js';
import { MemoryStateStore, type StateStore } from '../../runtime/index.js';
import { dbNamer, startTestCouch } from '../contract/couch-harness.js';
import { ScriptedNarrator, ScriptedRules, WordSafety, check } from '../fixtures/turn-parts.js';

const MAX_CHECKPOINTS = 16;

function input(turn: number, overrides: Partial<TurnInput> = {}): TurnInput {
  return {
    session: 'tavern',
    turn,
    player: 'ada',
    text: 'I climb the wall.',
    scene: { summary: 'The party reached the keep.', momentum: 0 },
    recent: [],
    modifiers: { athletics: 1 },
    moderation: { paused: false, muted: false, locked: false, member: true },
    ...overrides,
  };
}

function recorder(): { events: TurnEvent[]; signal: AbortSignal; controller: AbortController; onEvent(e: TurnEvent): void } {
  const controller = new AbortController();
  const events: TurnEvent[] = [];
  return { events, controller, signal: controller.signal, onEvent: (e) => events.push(e) };
}

const steps = (events: TurnEvent[]): string[] => events.filter((e) => e.type === 'step').map((e) => (e as { step: string }).step);

function failedCode(outcome: TurnOutcome): string {
  assert.equal(outcome.status, 'failed');
  return (outcome as { code: string }).code;
}

let couch: Awaited<ReturnType<typeof startTestCouch>>;
const nextDb = dbNamer('glass_turn_graph');
before(async () => {
  couch = await startTestCouch('turn-graph');
});
after(() => couch?.stop());

const STORES: Array<[string, () => StateStore]> = [
  ['MemoryStateStore', () => new MemoryStateStore()],
  ['CouchStateStore (embedded server)', () => createCouchStateStore({ url: couch.couch.url, db: nextDb() })],
];

for (const [storeName, openStore] of STORES) {
  describe(`turn graph over the StoreCheckpointer on ${storeName}`, () => {
    const opened: StateStore[] = [];
    after(() => Promise.all(opened.map((s) => s.close())));

    function parts(options: { rulesTimeoutMs?: number } = {}) {
      const store = openStore();
      opened.push(store);
      const checkpointer = new StoreCheckpointer(store, { maxCheckpoints: MAX_CHECKPOINTS });
      const narrator = new ScriptedNarrator();
      const rules = new ScriptedRules();
      const safety = new WordSafety();
      const services: TurnGraphServices = { narrator, rules, safety, checkpointer, ...options };
      return { store, checkpointer, narrator, rules, safety, services, runner: createTurnGraph(services) };
    }

    test('a committed turn: the outcome, the scene moved, the events in order (steps, checks, chunks)', async () => {
      const { runner, narrator, rules } = parts();
      rules.script.push([check('athletics', 'critical-success'), check('stealth', 'success')]);
      narrator.script.push({ text: 'You reach the top. Guards turn their heads.' });
      const r = recorder();
      const outcome = await runner.run(input(1), r);
      assert.equal(outcome.status, 'committed');
      if (outcome.status !== 'committed') return;
      assert.equal(outcome.narration, 'You reach the top. Guards turn their heads.');
      assert.equal(outcome.provider, 'scripted');
      assert.deepEqual(outcome.checks.map((c) => c.outcome), ['critical-success', 'success']);
      assert.deepEqual(outcome.scene, { summary: 'The party reached the keep. You reach the top.', momentum: 3 });
      assert.equal(outcome.usage.length, 1);
      // Consecutive chunks counted as one entry: the narrator streams one per word.
      const kinds = r.events.map((e) => (e.type === 'step' ? `step:${e.step}` : e.type)).filter((k, i, all) => k !== 'chunk' || all[i - 1] !== 'chunk');
      assert.deepEqual(kinds, ['step:intake', 'step:rules', 'checks', 'step:narrate', 'chunk', 'step:safety', 'step:commit']);
      assert.equal(r.events.filter((e) => e.type === 'chunk').length, 8);
      const text = r.events.filter((e) => e.type === 'chunk').map((e) => (e as { text: string }).text).join('');
      assert.equal(text, outcome.narration);
      // The narrator was given the checks and the scene.
      assert.equal(narrator.requests[0].checks.length, 2);
      assert.deepEqual(narrator.requests[0].scene, input(1).scene);
      assert.equal(rules.requests[0].momentum, 0);
    });

    test('intake refuses paused, muted, locked, non-member and too long turns, without rules or narration', async () => {
      const { runner, narrator, rules } = parts();
      const cases: Array<[Partial<TurnInput>, string]> = [
        [{ moderation: { paused: true, muted: false, locked: false, member: true } }, ModerationErrors.PAUSED],
        [{ moderation: { paused: false, muted: true, locked: false, member: true } }, ModerationErrors.MUTED],
        [{ moderation: { paused: false, muted: false, locked: true, member: false } }, ModerationErrors.LOCKED],
        [{ moderation: { paused: false, muted: false, locked: false, member: false } }, RoomErrors.NOT_MEMBER],
        [{ text: 'x'.repeat(MAX_TURN_LENGTH + 1) }, RoomErrors.TEXT_TOO_LONG],
        [{ text: '' }, RoomErrors.TEXT_TOO_LONG],
      ];
      let turn = 0;
      for (const [overrides, code] of cases) {
        const r = recorder();
        const outcome = await runner.run(input(++turn, overrides), r);
        assert.equal(failedCode(outcome), code);
        assert.deepEqual(steps(r.events), ['intake']);
      }
      assert.equal(rules.calls, 0);
      assert.equal(narrator.calls, 0);
      // A turn at the limit passes.
      assert.equal((await runner.run(input(++turn, { text: 'x'.repeat(MAX_TURN_LENGTH) }), recorder())).status, 'committed');
    });

    test('a rules failure and a rules timeout end the turn as typed failed outcomes, not thrown runs', async () => {
      const { runner, narrator, rules } = parts({ rulesTimeoutMs: 25 });
      rules.script.push('fail', 'hang');
      assert.equal(failedCode(await runner.run(input(1), recorder())), RulesErrors.FAILED);
      const r = recorder();
      assert.equal(failedCode(await runner.run(input(2), r)), RulesErrors.TIMEOUT);
      assert.deepEqual(steps(r.events), ['intake', 'rules']);
      assert.equal(narrator.calls, 0);
    });

    test('narration unavailable: failed with NarrationErrors.UNAVAILABLE and the checks made', async () => {
      const { runner, narrator, safety } = parts();
      narrator.script.push('unavailable');
      const outcome = await runner.run(input(1), recorder());
      assert.equal(failedCode(outcome), NarrationErrors.UNAVAILABLE);
      assert.equal(outcome.checks.length, 1);
      assert.equal(safety.checked.length, 0);
    });

    test('a safety refusal while it streams: the narrator stopped at the first chunk that fails, nothing from it on sent, the narration in neither the outcome nor the checkpoint', async () => {
      const { runner, narrator, checkpointer } = parts();
      narrator.script.push({ text: 'You learn the forbidden recipe. It is long.' });
      const r = recorder();
      const outcome = await runner.run(input(1), r);
      assert.equal(failedCode(outcome), SafetyErrors.REFUSED);
      assert.equal((outcome as { category?: string }).category, 'test:forbidden');
      assert.ok(!JSON.stringify(outcome).includes('recipe'));
      assert.deepEqual(steps(r.events), ['intake', 'rules', 'narrate']);
      const sent = r.events.flatMap((e) => (e.type === 'chunk' ? [e.text] : []));
      assert.deepEqual(sent, ['You ', 'learn ', 'the ']);
      assert.equal(narrator.signals[0].aborted, true, 'the narrator was stopped');
      const latest = await checkpointer.getTuple({ configurable: { thread_id: 'tavern' } });
      assert.equal((latest!.checkpoint.channel_values as { narration?: unknown }).narration ?? null, null);
    });

    test('a prohibited phrase split across chunks is caught on the chunk that completes it', async () => {
      const { runner, narrator } = parts();
      narrator.script.push({ text: 'The forbidden door.', chunks: ['The forb', 'idden door.'] });
      const r = recorder();
      assert.equal(failedCode(await runner.run(input(1), r)), SafetyErrors.REFUSED);
      assert.deepEqual(r.events.flatMap((e) => (e.type === 'chunk' ? [e.text] : [])), ['The forb']);
    });

    test('the safety step still checks the whole narration the narrator returns', async () => {
      const { runner, narrator } = parts();
      narrator.script.push({ text: 'A forbidden ending.', chunks: ['A quiet ending.'] });
      const r = recorder();
      assert.equal(failedCode(await runner.run(input(1), r)), SafetyErrors.REFUSED);
      assert.deepEqual(steps(r.events), ['intake', 'rules', 'narrate', 'safety']);
    });

    test('abort stops the run: it rejects with the reason, and the narrator sees the signal', async () => {
      const { runner, narrator } = parts();
      narrator.script.push('hang');
      const r = recorder();
      const reason = new Error('the session stops');
      const run = runner.run(input(1), { ...r, onEvent: (e) => (r.events.push(e), e.type === 'chunk' && r.controller.abort(reason)) });
      await assert.rejects(run, (err: unknown) => err === reason);
      assert.equal(narrator.signals[0].aborted, true);
      assert.ok(!steps(r.events).includes('safety'), 'the safety step was not reached');
      assert.ok(!steps(r.events).includes('commit'));
    });

    test('resume after an interruption in narrate: rules do not run again and the turn completes once', async () => {
      const { runner, narrator, rules } = parts();
      narrator.script.push('hang', { text: 'The wall holds. You are up.' });
      const first = recorder();
      await assert.rejects(runner.run(input(7), { ...first, onEvent: (e) => (first.events.push(e), e.type === 'chunk' && first.controller.abort(new Error('worker died'))) }));
      assert.equal(rules.calls, 1);

      const second = recorder();
      const outcome = await runner.run(input(7), { ...second, resume: true });
      assert.equal(outcome.status, 'committed');
      assert.equal(rules.calls, 1, 'rules ran again on resume');
      assert.equal(narrator.calls, 2);
      assert.deepEqual(steps(second.events), ['narrate', 'safety', 'commit']);
      // The narrator was given the checks of the first run (from the checkpoint).
      assert.deepEqual(narrator.requests[1].checks, narrator.requests[0].checks);

      // A second resume of the finished turn (the actor died before saving it): the same outcome, nothing runs.
      const third = recorder();
      assert.deepEqual(await runner.run(input(7), { ...third, resume: true }), outcome);
      assert.deepEqual(third.events, []);
      assert.equal(narrator.calls, 2);
    });

    test('a resume of a different turn starts over', async () => {
      const { runner, narrator, rules } = parts();
      narrator.script.push('hang');
      const first = recorder();
      await assert.rejects(runner.run(input(3), { ...first, onEvent: (e) => e.type === 'chunk' && first.controller.abort(new Error('cut')) }));
      const r = recorder();
      const outcome = await runner.run(input(4, { text: 'I run.' }), { ...r, resume: true });
      assert.equal(outcome.status, 'committed');
      assert.equal(rules.calls, 2);
      assert.deepEqual(steps(r.events), ['intake', 'rules', 'narrate', 'safety', 'commit']);
      assert.equal(rules.requests[1].text, 'I run.');
    });

    test('a second concurrent run on one session is refused with GLASS_ERR_TURN_BUSY; another session runs', async () => {
      const { runner, narrator } = parts();
      narrator.script.push('hang');
      const r = recorder();
      let started!: () => void;
      const narrating = new Promise<void>((resolve) => (started = resolve));
      const run = runner.run(input(1), { ...r, onEvent: (e) => e.type === 'chunk' && started() });
      await narrating;
      await assert.rejects(runner.run(input(2), recorder()), (err: unknown) => (err as { code?: string }).code === TurnErrors.BUSY);
      assert.equal((await runner.run(input(1, { session: 'cellar' }), recorder())).status, 'committed');
      r.controller.abort(new Error('done'));
      await assert.rejects(run);
      // Free again once the first run ended.
      assert.equal((await runner.run(input(2), recorder())).status, 'committed');
    });

    test('the thread stays bounded across 50 turns, and the scene carried by the caller keeps moving', async () => {
      const { runner, checkpointer, store } = parts();
      let scene = EMPTY_SCENE;
      const counts = new Set<number>();
      for (let turn = 1; turn <= 50; turn++) {
        const outcome = await runner.run(input(turn, { scene, text: `Turn ${turn}.` }), recorder());
        assert.equal(outcome.status, 'committed');
        if (outcome.status === 'committed') scene = outcome.scene;
        counts.add(await checkpointer.storedCheckpoints('tavern'));
      }
      assert.equal(counts.size, 1, `checkpoints per turn varied: ${[...counts]}`);
      assert.ok([...counts][0] <= MAX_CHECKPOINTS);
      assert.equal(scene.momentum, 3);
      assert.ok(scene.summary.length <= 1_000);
      const doc = await store.load('langgraph', 'thread:tavern');
      assert.ok(JSON.stringify(doc!.state).length < 64 * 1024);
    });

    test('the same services object compiles one runner; bad input is a typed error', async () => {
      const { services, runner } = parts();
      assert.equal(createTurnGraph(services), runner);
      await assert.rejects(runner.run(input(0), recorder()), (err: unknown) => (err as { code?: string }).code === 'GLASS_ERR_INVALID_MESSAGE');
    });
  });
}
