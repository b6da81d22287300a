import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HashringPlacement, previewPlacement } from '../../cluster/index.js';
import { ErrorCodes, InvalidOptionError, type NodeMember } from '../../runtime/index.js';

const IDS = Array.from({ length: 10_000 }, (_, i) => `actor-${i}`);
const THREE: NodeMember[] = [
  { id: 'n1', workers: 2 },
  { id: 'n2', workers: 2 },
  { id: 'n3', workers: 2 },
];
const FOUR: NodeMember[] = [...THREE, { id: 'n4', workers: 2 }];

function sum(byNode: Record<string, { in: number; out: number }>, side: 'in' | 'out'): number {
  return Object.values(byNode).reduce((n, f) => n + f[side], 0);
}

test('adding a 4th node to 3 moves about a quarter of 10,000 ids, every one of them to the new node', () => {
  const preview = previewPlacement(THREE, FOUR, IDS);
  assert.equal(preview.total, 10_000);
  // Ideal is 1/4; the ring's virtual nodes land near it (same bounds as the placement's own test).
  assert.ok(preview.moved.length > 1_500 && preview.moved.length < 3_500, `moved ${preview.moved.length}`);
  assert.equal(preview.movedFraction, preview.moved.length / 10_000);
  for (const m of preview.moved) {
    assert.equal(m.to.node, 'n4', `${m.id} went ${m.from.node} → ${m.to.node}`);
    assert.notEqual(m.from.node, 'n4');
  }
  assert.deepEqual(preview.byNode.n4, { in: preview.moved.length, out: 0 });
  for (const id of ['n1', 'n2', 'n3']) assert.equal(preview.byNode[id].in, 0, id);
  assert.equal(sum(preview.byNode, 'out'), preview.moved.length);
});

test('the preview is what the placement does: every reported move, and only those, changes location', () => {
  const preview = previewPlacement(THREE, FOUR, IDS);
  const before = new HashringPlacement(THREE);
  const after = new HashringPlacement(FOUR);
  const moved = new Map(preview.moved.map((m) => [m.id, m]));
  for (const id of IDS) {
    const m = moved.get(id);
    if (m === undefined) {
      assert.deepEqual(after.locate(id), before.locate(id), id);
    } else {
      assert.deepEqual(m.from, before.locate(id), id);
      assert.deepEqual(m.to, after.locate(id), id);
    }
  }
});

test('removing a node moves only the ids it held, and spreads them over the others', () => {
  const before = new HashringPlacement(FOUR);
  const held = IDS.filter((id) => before.locate(id).node === 'n2');
  const preview = previewPlacement(FOUR, FOUR.filter((m) => m.id !== 'n2'), IDS);
  assert.deepEqual(preview.moved.map((m) => m.id).sort(), [...held].sort());
  assert.ok(preview.moved.every((m) => m.from.node === 'n2' && m.to.node !== 'n2'));
  assert.deepEqual(preview.byNode.n2, { in: 0, out: held.length });
  assert.equal(sum(preview.byNode, 'in'), held.length);
  assert.ok(['n1', 'n3', 'n4'].every((id) => preview.byNode[id].in > 0 && preview.byNode[id].out === 0));
});

test('a child id ("<root>/<name>", any depth) moves with its root, to the same node and worker', () => {
  const ids = IDS.slice(0, 2_000).flatMap((id) => [id, `${id}/npc`, `${id}/npc/voice`]);
  const preview = previewPlacement(THREE, FOUR, ids);
  const moves = new Map(preview.moved.map((m) => [m.id, m]));
  let roots = 0;
  for (const id of IDS.slice(0, 2_000)) {
    const root = moves.get(id);
    for (const child of [`${id}/npc`, `${id}/npc/voice`]) {
      assert.deepEqual(moves.get(child), root === undefined ? undefined : { ...root, id: child }, child);
    }
    if (root !== undefined) roots++;
  }
  assert.ok(roots > 0);
  assert.equal(preview.moved.length, roots * 3);
});

test('a node changing its worker count moves ids between its own workers, counted as out and in there', () => {
  const preview = previewPlacement(THREE, [THREE[0], THREE[1], { id: 'n3', workers: 4 }], IDS);
  assert.ok(preview.moved.length > 0);
  assert.ok(preview.moved.every((m) => m.from.node === 'n3' && m.to.node === 'n3' && m.from.thread !== m.to.thread));
  assert.deepEqual(preview.byNode.n3, { in: preview.moved.length, out: preview.moved.length });
  assert.deepEqual(preview.byNode.n1, { in: 0, out: 0 });
});

test('the same membership moves nothing; no ids gives an empty preview', () => {
  const same = previewPlacement(THREE, [...THREE].reverse(), IDS);
  assert.equal(same.moved.length, 0);
  assert.equal(same.movedFraction, 0);
  const none = previewPlacement(THREE, FOUR, []);
  assert.deepEqual(none, {
    moved: [],
    movedFraction: 0,
    total: 0,
    byNode: { n1: { in: 0, out: 0 }, n2: { in: 0, out: 0 }, n3: { in: 0, out: 0 }, n4: { in: 0, out: 0 } },
  });
});

test('bad input is refused with InvalidOptionError naming it', () => {
  const cases: { name: string; run: () => unknown; option: string }[] = [
    { name: 'empty current', run: () => previewPlacement([], FOUR, IDS), option: 'current' },
    { name: 'empty next', run: () => previewPlacement(THREE, [], IDS), option: 'next' },
    { name: 'bad member', run: () => previewPlacement(THREE, [{ id: 'n1', workers: 0 }], IDS), option: 'members[n1].workers' },
    { name: 'empty id', run: () => previewPlacement(THREE, FOUR, ['a', '']), option: 'ids' },
  ];
  for (const c of cases) {
    assert.throws(c.run, (err: unknown) => {
      assert.ok(err instanceof InvalidOptionError, c.name);
      assert.equal(err.code, ErrorCodes.INVALID_OPTION, c.name);
      assert.equal(err.details?.option, c.option, c.name);
      return true;
    });
  }
});
