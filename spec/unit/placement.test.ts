import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HashringPlacement, createHashringPlacement } from '../../cluster/index.js';
import { ErrorCodes, InvalidOptionError, type NodeMember } from '../../runtime/index.js';

const IDS = Array.from({ length: 10_000 }, (_, i) => `actor-${i}`);

function where(placement: HashringPlacement, id: string): string {
  const loc = placement.locate(id);
  return `${loc.node}/${loc.thread}`;
}

test('hashring placement is a pure function of the members: independent instances agree, member order does not matter', () => {
  const members: NodeMember[] = [
    { id: 'n1', workers: 3 },
    { id: 'n2', workers: 2 },
    { id: 'n3', workers: 4 },
  ];
  const a = new HashringPlacement(members);
  const b = createHashringPlacement({ members: [...members].reverse() });
  for (const id of IDS) assert.deepEqual(b.locate(id), a.locate(id));
  // Memoised lookups answer the same as fresh ones.
  for (const id of IDS.slice(0, 100)) assert.deepEqual(a.locate(id), new HashringPlacement(members).locate(id));
});

test('every worker of every node gets a share of 10,000 ids, and threads are numbered 1..W', () => {
  const p = new HashringPlacement([
    { id: 'n1', workers: 4 },
    { id: 'n2', workers: 2 },
  ]);
  const counts = new Map<string, number>();
  for (const id of IDS) {
    const loc = p.locate(id);
    assert.ok(loc.thread >= 1 && loc.thread <= (loc.node === 'n1' ? 4 : 2), `thread ${loc.thread} on ${loc.node}`);
    counts.set(where(p, id), (counts.get(where(p, id)) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), ['n1/1', 'n1/2', 'n1/3', 'n1/4', 'n2/1', 'n2/2']);
  // Not a balance guarantee, only that nobody is starved: each gets at least a fifth of a fair share.
  for (const [loc, n] of counts) assert.ok(n > 10_000 / 6 / 5, `${loc} got ${n}`);
});

test('a single node spreads ids over all of its workers', () => {
  const p = new HashringPlacement([{ id: 'solo', workers: 2 }]);
  const threads = new Set(IDS.map((id) => p.locate(id).thread));
  assert.deepEqual([...threads].sort(), [1, 2]);
  assert.ok(IDS.every((id) => p.locate(id).node === 'solo'));
});

test('adding a node moves about 1/N of the ids, all of them to the new node, and no id changes worker on a node it stays on', () => {
  const before = new HashringPlacement([
    { id: 'n1', workers: 2 },
    { id: 'n2', workers: 2 },
    { id: 'n3', workers: 2 },
  ]);
  const after = new HashringPlacement([
    { id: 'n1', workers: 2 },
    { id: 'n2', workers: 2 },
    { id: 'n3', workers: 2 },
    { id: 'n4', workers: 2 },
  ]);
  let moved = 0;
  for (const id of IDS) {
    const a = before.locate(id);
    const b = after.locate(id);
    if (a.node === b.node) {
      assert.equal(b.thread, a.thread, `${id} changed worker on ${a.node}`);
      continue;
    }
    moved++;
    assert.equal(b.node, 'n4', `${id} moved between remaining nodes ${a.node} → ${b.node}`);
  }
  // Ideal is 1/4 = 2,500; a ring with virtual nodes lands near it.
  assert.ok(moved > 1_500 && moved < 3_500, `moved ${moved} of 10,000`);
});

test('setMembers bumps the version and the memo follows the new membership', () => {
  const p = new HashringPlacement([{ id: 'n1', workers: 2 }]);
  const v = p.version;
  for (const id of IDS) p.locate(id); // warm the memo
  p.setMembers([
    { id: 'n1', workers: 2 },
    { id: 'n2', workers: 2 },
  ]);
  assert.equal(p.version, v + 1);
  const fresh = new HashringPlacement([
    { id: 'n1', workers: 2 },
    { id: 'n2', workers: 2 },
  ]);
  for (const id of IDS) assert.deepEqual(p.locate(id), fresh.locate(id));
});

test('a node that comes back with a different worker count is placed over all of its new workers', () => {
  const p = new HashringPlacement([{ id: 'n1', workers: 2 }]);
  p.setMembers([{ id: 'n1', workers: 4 }]);
  const threads = new Set(IDS.map((id) => p.locate(id).thread));
  assert.deepEqual([...threads].sort(), [1, 2, 3, 4]);
});

test('bad members are refused with InvalidOptionError (GLASS_ERR_INVALID_OPTION)', () => {
  const cases: { name: string; members: unknown; option: string }[] = [
    { name: 'no members', members: [], option: 'members' },
    { name: 'zero workers', members: [{ id: 'n1', workers: 0 }], option: 'members[n1].workers' },
    { name: 'fractional workers', members: [{ id: 'n1', workers: 1.5 }], option: 'members[n1].workers' },
    { name: 'workers missing', members: [{ id: 'n1' }], option: 'members[n1].workers' },
    { name: 'the same node twice', members: [{ id: 'n1', workers: 1 }, { id: 'n1', workers: 2 }], option: 'members[n1].id' },
    { name: 'an id that is not a string', members: [{ id: 7, workers: 1 }], option: 'members[7].id' },
  ];
  for (const c of cases) {
    assert.throws(
      () => new HashringPlacement(c.members as NodeMember[]),
      (err: unknown) => {
        assert.ok(err instanceof InvalidOptionError, c.name);
        assert.equal(err.code, ErrorCodes.INVALID_OPTION, c.name);
        assert.equal(err.details?.option, c.option, c.name);
        assert.match(err.message, new RegExp(`options\\.${c.option.replace(/[[\]]/g, '\\$&')} `), c.name);
        return true;
      },
      c.name,
    );
  }
  // A refused change leaves the old membership in place.
  const p = new HashringPlacement([{ id: 'n1', workers: 2 }]);
  assert.throws(() => p.setMembers([]), { code: ErrorCodes.INVALID_OPTION });
  assert.equal(p.version, 1);
  assert.equal(p.locate('x').node, 'n1');
});

test('a spawned child ("<parent>/<name>", at any depth) is placed with its root, on the same node and worker', () => {
  const placement = new HashringPlacement([
    { id: 'n1', workers: 4 },
    { id: 'n2', workers: 4 },
    { id: 'n3', workers: 4 },
  ]);
  for (let i = 0; i < 500; i++) {
    const parent = placement.locate(`room-${i}`);
    assert.deepEqual(placement.locate(`room-${i}/npc`), parent);
    assert.deepEqual(placement.locate(`room-${i}/npc/voice`), parent);
  }
});
