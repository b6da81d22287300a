import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GENESIS_HASH, hashEntry, verifyChain, type AuditEntry, type AuditRow } from '../../clients/index.js';

function entry(n: number): AuditEntry {
  return {
    at: 1_767_225_600_000 + n,
    node: 'n1',
    moderator: 'mod',
    roles: ['moderator'],
    source: 'ws',
    outcome: n % 3 === 0 ? 'refused' : 'accepted',
    code: n % 3 === 0 ? 'GLASS_ERR_FORBIDDEN' : null,
    targetKind: 'room',
    targetId: 'r1',
    command: 'mute',
    args: { player: `p${n}`, reason: 'spam' },
  };
}

/** A valid chain of n rows (ids 1..n) and its head. */
function chain(n: number): { rows: AuditRow[]; head: { id: number; hash: string } } {
  const rows: AuditRow[] = [];
  let prevHash = GENESIS_HASH;
  for (let id = 1; id <= n; id++) {
    const e = entry(id);
    const hash = hashEntry(e, prevHash);
    rows.push({ ...e, id, prevHash, hash });
    prevHash = hash;
  }
  return { rows, head: { id: n, hash: prevHash } };
}

describe('audit hash chain', () => {
  test('a hash covers the content and the previous hash, not the order of args keys or roles', () => {
    const e = entry(1);
    const h = hashEntry(e, GENESIS_HASH);
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(hashEntry({ ...e, args: { reason: 'spam', player: 'p1' } }, GENESIS_HASH), h);
    assert.equal(hashEntry({ ...e, roles: ['moderator'] }, GENESIS_HASH), h);
    assert.notEqual(hashEntry({ ...e, args: { player: 'p1', reason: 'spam!' } }, GENESIS_HASH), h);
    assert.notEqual(hashEntry({ ...e, outcome: 'refused' }, GENESIS_HASH), h);
    assert.notEqual(hashEntry(e, 'f'.repeat(64)), h);
  });

  test('an intact chain verifies, and so does an empty one', async () => {
    const { rows, head } = chain(7);
    assert.deepEqual(await verifyChain(rows, head), { ok: true, rows: 7, head });
    assert.deepEqual(await verifyChain([], { id: 0, hash: GENESIS_HASH }), { ok: true, rows: 0, head: { id: 0, hash: GENESIS_HASH } });
  });

  const cases: [string, (rows: AuditRow[], head: { id: number; hash: string }) => { rows: AuditRow[]; head: { id: number; hash: string } | null }, string, number][] = [
    ['content changed', (rows, head) => ({ rows: rows.map((r) => (r.id === 3 ? { ...r, args: { player: 'someone-else', reason: 'spam' } } : r)), head }), 'altered', 3],
    ['content changed and re-hashed', (rows, head) => ({ rows: rows.map((r) => (r.id === 3 ? { ...r, command: 'kick', hash: hashEntry({ ...r, command: 'kick' }, r.prevHash) } : r)), head }), 'altered', 3],
    ['the last row changed and re-hashed', (rows, head) => ({ rows: rows.map((r) => (r.id === 5 ? { ...r, command: 'kick', hash: hashEntry({ ...r, command: 'kick' }, r.prevHash) } : r)), head }), 'altered', 5],
    ['a middle row deleted', (rows, head) => ({ rows: rows.filter((r) => r.id !== 2), head }), 'deleted', 2],
    ['a middle row deleted and the rest renumbered', (rows, head) => ({ rows: rows.filter((r) => r.id !== 2).map((r, i) => ({ ...r, id: i + 1 })), head: { id: 4, hash: head.hash } }), 'altered', 1],
    ['the last row deleted', (rows, head) => ({ rows: rows.slice(0, 4), head }), 'deleted', 5],
    [
      'a forged row appended past the head',
      (rows, head) => {
        const e = entry(99);
        return { rows: [...rows, { ...e, id: 6, prevHash: head.hash, hash: hashEntry(e, head.hash) }], head };
      },
      'inserted',
      6,
    ],
    [
      'a well-formed row slipped into the middle',
      (rows, head) => {
        const e = entry(99);
        const forged = { ...e, id: 3, prevHash: rows[1].hash, hash: hashEntry(e, rows[1].hash) };
        const shifted = rows.slice(2).map((r) => ({ ...r, id: r.id + 1 }));
        return { rows: [rows[0], rows[1], forged, ...shifted], head: { id: 6, hash: head.hash } };
      },
      'inserted',
      3,
    ],
    [
      'a badly forged row slipped into the middle',
      (rows, head) => {
        const forged = { ...entry(99), id: 3, prevHash: 'a'.repeat(64), hash: 'b'.repeat(64) };
        const shifted = rows.slice(2).map((r) => ({ ...r, id: r.id + 1 }));
        return { rows: [rows[0], rows[1], forged, ...shifted], head: { id: 6, hash: head.hash } };
      },
      'inserted',
      3,
    ],
    ['the head row removed', (rows) => ({ rows, head: null }), 'altered', 0],
  ];

  for (const [name, tamper, kind, id] of cases) {
    test(`names the first row tampered with: ${name}`, async () => {
      const { rows, head } = chain(5);
      const t = tamper(rows, head);
      const verdict = await verifyChain(t.rows, t.head);
      assert.equal(verdict.ok, false);
      if (verdict.ok) return;
      assert.equal(verdict.kind, kind, verdict.detail);
      assert.equal(verdict.id, id, verdict.detail);
    });
  }
});
