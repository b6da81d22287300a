// The turn graph under a moderator's pre-emption: the run aborted with a TurnCancelledError leaves
// nothing in its LangGraph thread (the next turn and a resume start clean), the next run of the
// session does not have to wait for the caller, and the offline narrator's stream stops on the signal.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createOfflineNarrator, EMPTY_SCENE, TurnErrors, type TurnEvent, type TurnInput } from '../../actors/session/index.js';
import { StoreCheckpointer } from '../../actors/session/store-checkpointer.js';
import { createTurnGraph } from '../../actors/session/turn-graph.js';
import { TurnCancelledError } from '../../actors/session/turn-preemption.js';
import { MemoryStateStore } from '../../runtime/index.js';
import { ScriptedNarrator, ScriptedRules, WordSafety } from '../fixtures/turn-parts.js';

function input(turn: number, text = 'I climb the wall.'): TurnInput {
  return {
    session: 'keep',
    turn,
    player: 'ada',
    text,
    scene: EMPTY_SCENE,
    recent: [],
    modifiers: {},
    moderation: { paused: false, muted: false, locked: false, member: true },
  };
}

function parts() {
  const checkpointer = new StoreCheckpointer(new MemoryStateStore(), { maxCheckpoints: 16 });
  const narrator = new ScriptedNarrator();
  return { checkpointer, narrator, runner: createTurnGraph({ narrator, rules: new ScriptedRules(), safety: new WordSafety(), checkpointer }) };
}

/** Runs turn `turn` and resolves once its narration has streamed its first chunk. */
function startNarrating(runner: ReturnType<typeof createTurnGraph>, turn: number, controller: AbortController) {
  let chunk!: () => void;
  const narrating = new Promise<void>((resolve) => (chunk = resolve));
  const events: TurnEvent[] = [];
  const run = runner.run(input(turn), { signal: controller.signal, onEvent: (e) => (events.push(e), e.type === 'chunk' && chunk()) });
  return { run, narrating, events };
}

describe('turn graph: a pre-empted run', () => {
  test('cancelled mid-narration: rejects with GLASS_ERR_TURN_CANCELLED and its thread is empty (no half turn for the next one)', async () => {
    const { runner, narrator, checkpointer } = parts();
    narrator.script.push('hang');
    const controller = new AbortController();
    const { run, narrating } = startNarrating(runner, 1, controller);
    await narrating;
    assert.notEqual(await checkpointer.getTuple({ configurable: { thread_id: 'keep' } }), undefined, 'the steps before narrate were checkpointed');
    controller.abort(new TurnCancelledError('keep', 1, 'pause'));
    await assert.rejects(run, { code: TurnErrors.CANCELLED });
    assert.equal(await checkpointer.getTuple({ configurable: { thread_id: 'keep' } }), undefined);
    // A resume of the cancelled turn (a crash right after) finds nothing to carry on: it starts over.
    const again = await runner.run(input(1), { signal: new AbortController().signal, onEvent: () => undefined, resume: true });
    assert.equal(again.status, 'committed');
  });

  test('another abort (passivation, a dying worker) keeps the checkpoints for a resume', async () => {
    const { runner, narrator, checkpointer } = parts();
    narrator.script.push('hang');
    const controller = new AbortController();
    const { run, narrating } = startNarrating(runner, 1, controller);
    await narrating;
    controller.abort(new Error('passivated'));
    await assert.rejects(run, { message: 'passivated' });
    assert.notEqual(await checkpointer.getTuple({ configurable: { thread_id: 'keep' } }), undefined);
  });

  test('the next turn started right after the cancellation waits for it instead of failing GLASS_ERR_TURN_BUSY', async () => {
    const { runner, narrator } = parts();
    narrator.script.push('hang');
    const controller = new AbortController();
    const { run, narrating } = startNarrating(runner, 1, controller);
    await narrating;
    controller.abort(new TurnCancelledError('keep', 1, 'narrate'));
    const next = runner.run(input(2, 'I look around.'), { signal: new AbortController().signal, onEvent: () => undefined });
    await assert.rejects(run, { code: TurnErrors.CANCELLED });
    const outcome = await next;
    assert.equal(outcome.status, 'committed');
    assert.equal(narrator.requests[1].turn, 2);
  });

  test('the offline narrator stops streaming on the signal: no chunk after the abort', async () => {
    const narrator = createOfflineNarrator({ firstChunkMs: 0, chunksPerSec: 1_000 });
    const runner = createTurnGraph({ narrator, rules: new ScriptedRules(), safety: new WordSafety(), checkpointer: new StoreCheckpointer(new MemoryStateStore(), { maxCheckpoints: 16 }) });
    const controller = new AbortController();
    const { run, narrating, events } = startNarrating(runner, 1, controller);
    await narrating;
    controller.abort(new TurnCancelledError('keep', 1, 'redact'));
    const at = events.length;
    await assert.rejects(run, { code: TurnErrors.CANCELLED });
    assert.equal(events.length, at, 'nothing streamed after the abort');
  });
});
