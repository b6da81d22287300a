import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NodePair } from './cluster-fixture.js';

const RESUME_WINDOW_MS = 1_000;

describe('players on two nodes of one cluster (real Redis, embedded CouchDB, uWS)', () => {
  let pair: NodePair;

  before(async () => {
    pair = await NodePair.start({ ids: ['gw-a', 'gw-b'], gateway: { resumeWindowMs: RESUME_WINDOW_MS } });
  });

  after(() => pair?.close());

  const connect = (at: number, player: string) => pair.connect(at, player);
  /** A room id that the cluster places on node `owner`. */
  const roomOn = (owner: string, tag: string) => pair.idOn('room', owner, tag);

  for (const owner of ['gw-a', 'gw-b']) {
    test(`a player on each node shares a room that lives on ${owner}: presence and every line, in order, once`, async () => {
      const room = roomOn(owner, `hall-${owner}`);
      assert.deepEqual(pair.nodes.map((n) => n.locate('room', room).node), [owner, owner], 'both nodes place the room alike');
      const ann = await connect(0, `ann-${owner}`);
      const ben = await connect(1, `ben-${owner}`);
      await ann.join(room);
      const joined = await ben.join(room);
      assert.deepEqual(joined.members, [`ann-${owner}`, `ben-${owner}`]);
      await ann.next('presence', (f) => f.joined === `ben-${owner}`);

      for (let i = 1; i <= 5; i++) (i % 2 === 1 ? ann : ben).send({ type: 'say', room, text: `line ${i}` });
      for (const client of [ann, ben]) {
        const lines = [];
        for (let i = 1; i <= 5; i++) lines.push((await client.next('said')).line);
        assert.deepEqual(lines.map((l) => l.seq), [1, 2, 3, 4, 5], `${client.player} sees every line once, in order`);
      }
      assert.equal(ann.seen.filter((f) => f.type === 'said').length, 5, 'no line twice');
    });
  }

  test('a player dropped from one node resumes on the other: the missed lines once; the old node’s late leave does not remove them', async () => {
    const room = roomOn('gw-a', 'move');
    const ann = await connect(0, 'ann-move');
    const ben = await connect(1, 'ben-move');
    await ann.join(room);
    await ben.join(room);
    const { token } = await ann.next('resume-token');
    const seqs = ann.lastSeqs();
    const holdEnded = new Promise<boolean>((resolve) => {
      const off = pair.gateways[0]!.on('hold-ended', (player, _room, left) => {
        if (player !== 'ann-move') return;
        off();
        resolve(left);
      });
    });
    await ann.drop();
    for (const text of ['missed 1', 'missed 2']) ben.send({ type: 'say', room, text });
    await ben.next('said', (f) => f.line.text === 'missed 2');

    const again = await connect(1, 'ann-move');
    again.send({ type: 'resume', token, rooms: seqs, ref: 'resume' });
    const resumed = await again.next('resumed', (f) => f.ref === 'resume');
    assert.deepEqual(resumed.lines.map((l) => l.text), ['missed 1', 'missed 2']);
    assert.deepEqual(resumed.members, ['ann-move', 'ben-move']);
    await again.next('resume-token', (f) => f.ref === 'resume');

    assert.equal(await holdEnded, false, 'node gw-a left at the end of its hold, and the room ignored it');
    ben.send({ type: 'say', room, text: 'still here?' });
    const live = await again.next('said');
    assert.deepEqual([live.line.seq, live.line.text], [3, 'still here?']);
    ben.send({ type: 'ping', ref: 'barrier' });
    await ben.next('pong', (f) => f.ref === 'barrier');
    assert.ok(!ben.seen.some((f) => f.type === 'presence' && f.left === 'ann-move'), 'ben never saw ann leave');
  });
});
