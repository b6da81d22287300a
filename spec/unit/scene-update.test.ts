import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { firstSentence, nextScene, SCENE_SENTENCE_LIMIT } from '../../actors/session/scene-update.js';
import { SCENE_SUMMARY_LIMIT } from '../../actors/session/index.js';
import { check } from '../fixtures/turn-parts.js';

describe('nextScene', () => {
  test('the summary gains the first sentence; the momentum moves by outcome and stays within -3..3', () => {
    const scene = nextScene({ summary: 'A keep.', momentum: 2 }, 'You climb.  The guards\nsee you!', [check('a', 'critical-success'), check('b', 'success')]);
    assert.deepEqual(scene, { summary: 'A keep. You climb.', momentum: 3 });
    assert.equal(nextScene({ summary: '', momentum: -2 }, 'Ouch.', [check('a', 'critical-failure'), check('b', 'failure')]).momentum, -3);
    assert.equal(nextScene({ summary: '', momentum: 1 }, 'Calm.', []).momentum, 1);
  });

  test('the summary is trimmed from the front to SCENE_SUMMARY_LIMIT; a long sentence is cut', () => {
    let scene = { summary: '', momentum: 0 };
    for (let i = 0; i < 200; i++) scene = nextScene(scene, `Sentence number ${i} happens here.`, []);
    assert.ok(scene.summary.length <= SCENE_SUMMARY_LIMIT);
    assert.ok(scene.summary.endsWith('Sentence number 199 happens here.'));
    assert.equal(firstSentence('word '.repeat(100)).length, SCENE_SENTENCE_LIMIT);
  });

  test('the same turn moves the scene the same way', () => {
    const a = nextScene({ summary: 'S.', momentum: 0 }, 'One. Two.', [check('a', 'failure')]);
    const b = nextScene({ summary: 'S.', momentum: 0 }, 'One. Two.', [check('a', 'failure')]);
    assert.deepEqual(a, b);
  });
});
