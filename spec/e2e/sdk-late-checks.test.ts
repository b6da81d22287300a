// A turn whose checks overran the rules deadline fails (GLASS_ERR_RULES_TIMEOUT); its checkRunner
// workflow (in process: the node has no TEMPORAL_ADDRESS) rolls the checks afterwards, and they come
// back to the session: players get `turn-checks` once, with the rolls the check model makes for the
// turn's request, and a player joining later sees them on the failed turn of the transcript.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { runChecks } from '../../actors/index.js';
import { GlassClient } from '../../clients/sdk/index.js';
import { WORKFLOW_FRONT, WORKFLOW_STARTER } from '../../cluster/index.js';
import { WORKFLOW_SERVICE } from '../../runtime/index.js';
import { EventLog } from './fixtures/sdk-events.js';
import { startSdkServer, type SdkServer } from './fixtures/sdk-server.js';
import { tokenFor } from './tokens.js';

describe('player SDK: late checks of a turn that overran its rules deadline', () => {
  let server: SdkServer;
  const clients: GlassClient[] = [];

  before(async () => {
    server = await startSdkServer({}, { [WORKFLOW_SERVICE]: { main: WORKFLOW_FRONT, worker: WORKFLOW_STARTER } });
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.close();
  });

  const client = (player: string): GlassClient => {
    const c = new GlassClient({ url: server.url, token: () => tokenFor(player), WebSocket });
    clients.push(c);
    return c;
  };

  test('turn-failed, then turn-checks with the check model\'s rolls; a later joiner sees them on the failed turn', async () => {
    const ann = client('ann-lc');
    const log = new EventLog('ann', ann);
    await ann.connect();
    await ann.joinSession('story-lc');
    const text = 'I climb the wall and search the ledge [rules-timeout]';
    const turn = await ann.turn('story-lc', text);
    const failed = await log.next('turn-failed', (f) => f.turn === turn);
    assert.equal(failed.code, 'GLASS_ERR_RULES_TIMEOUT');
    const late = await log.next('turn-checks', (c) => c.turn === turn);
    const expected = runChecks({ session: 'story-lc', turn, player: 'ann-lc', text, modifiers: {}, momentum: 0 });
    assert.ok(expected.length > 0, 'the text calls for checks');
    assert.deepEqual(late, { session: 'story-lc', seq: late.seq, turn, player: 'ann-lc', checks: expected, replayed: false });
    assert.ok(late.seq > failed.seq);
    assert.equal(log.of('turn-checks').length, 1);

    const bob = client('bob-lc');
    await bob.connect();
    const joined = await bob.joinSession('story-lc');
    const entry = joined.transcript.find((t) => t.turn === turn)!;
    assert.equal(entry.failed?.code, 'GLASS_ERR_RULES_TIMEOUT');
    assert.deepEqual(entry.lateChecks, { seq: late.seq, checks: expected });
  });
});
