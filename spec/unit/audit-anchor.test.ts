import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { AuditKey, FileAuditAnchor, GENESIS_HASH, checkChain, hashEntry, macEntry, openAnchor, sealAnchor, type AnchorHead, type AuditEntry, type AuditRow } from '../../clients/index.js';
import { AnchorWriter } from '../../clients/moderation/audit-anchor-writer.js';
import { createLogger } from '../../runtime/index.js';

const key = AuditKey.of('a'.repeat(32));
const chainId = { database: 'test', schema: 'public' };

function entry(n: number): AuditEntry {
  return { at: 1_767_225_600_000 + n, node: 'n1', moderator: 'mod', roles: ['moderator'], source: 'ws', outcome: 'accepted', code: null, targetKind: 'room', targetId: 'r1', command: 'mute', args: { player: `p${n}` } };
}

/** `legacy` plain rows, then keyed ones up to n. */
function chain(n: number, legacy = 0): { rows: AuditRow[]; anchor: AnchorHead } {
  const rows: AuditRow[] = [];
  let prevHash = GENESIS_HASH;
  for (let id = 1; id <= n; id++) {
    const hash = id <= legacy ? hashEntry(entry(id), prevHash) : macEntry(key, entry(id), prevHash);
    rows.push({ ...entry(id), id, prevHash, hash });
    prevHash = hash;
  }
  return { rows, anchor: { id: n, hash: prevHash, count: n, keyedFrom: legacy < n ? legacy + 1 : null } };
}

const kindOf = async (rows: AuditRow[], anchor: AnchorHead | null): Promise<[string, number] | 'ok'> => {
  const v = await checkChain(rows, { key, anchor });
  return v.ok ? 'ok' : [v.kind, v.id];
};

describe('keyed chain against its anchor', () => {
  test('an intact chain verifies, legacy rows first included, and the database may be ahead of the anchor', async () => {
    const { rows, anchor } = chain(6, 2);
    assert.equal(await kindOf(rows, anchor), 'ok');
    assert.equal(await kindOf(rows, { ...anchor, id: 4, hash: rows[3].hash, count: 4 }), 'ok');
    assert.equal(await kindOf(rows, null), 'ok');
  });

  test('without the key, keyed rows do not verify', async () => {
    const { rows } = chain(3);
    const v = await checkChain(rows, { anchor: null });
    assert.deepEqual(v.ok ? null : [v.kind, v.id], ['altered', 1]);
  });

  test('a deleted tail, an emptied table, a re-hashed rewrite, a legacy row after keyed ones', async () => {
    const { rows, anchor } = chain(5, 1);
    assert.deepEqual(await kindOf(rows.slice(0, 3), anchor), ['deleted', 4]);
    assert.deepEqual(await kindOf([], anchor), ['emptied', 1]);
    const other = AuditKey.of('b'.repeat(32));
    const rewritten = rows.map((r) => (r.id === 2 ? { ...r, command: 'kick', hash: macEntry(other, { ...r, command: 'kick' }, r.prevHash) } : r));
    assert.deepEqual(await kindOf(rewritten, anchor), ['altered', 2]);
    // Every row re-chained as plain SHA-256 from row 2 on: the anchor's keyedFrom, and its MAC, say no.
    const plain: AuditRow[] = [rows[0]];
    for (const r of rows.slice(1)) plain.push({ ...r, prevHash: plain.at(-1)!.hash, hash: hashEntry(r, plain.at(-1)!.hash) });
    assert.deepEqual(await kindOf(plain, anchor), ['altered', 2]);
    // The anchored row replaced by another with a valid chain (a tail deleted and re-appended).
    const replaced = [...rows.slice(0, 4), { ...entry(99), id: 5, prevHash: rows[3].hash, hash: macEntry(key, entry(99), rows[3].hash) }];
    assert.deepEqual(await kindOf(replaced, anchor), ['altered', 5]);
  });

  test('the sealed anchor opens with its key and chain only', () => {
    const head = { id: 7, hash: 'f'.repeat(64), count: 7, keyedFrom: 1 };
    const text = sealAnchor(key, chainId, head);
    assert.deepEqual(openAnchor(key, chainId, text, 'x'), head);
    assert.throws(() => openAnchor(AuditKey.of('c'.repeat(32)), chainId, text, 'x'), { code: 'GLASS_ERR_AUDIT_ANCHOR' });
    assert.throws(() => openAnchor(key, { ...chainId, schema: 'other' }, text, 'x'), { code: 'GLASS_ERR_AUDIT_ANCHOR' });
    assert.throws(() => openAnchor(key, chainId, text.replace('"id":7', '"id":9'), 'x'), { code: 'GLASS_ERR_AUDIT_ANCHOR' });
    assert.throws(() => openAnchor(key, chainId, 'not json', 'x'), { code: 'GLASS_ERR_AUDIT_ANCHOR' });
  });
});

describe('anchor writer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-anchor-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const log = createLogger('test', 'silent');
  const head = (id: number): AnchorHead => ({ id, hash: String(id).padStart(64, '0'), count: id, keyedFrom: 1 });
  const anchoredId = (path: string): number => (JSON.parse(readFileSync(path, 'utf8')) as { id: number }).id;

  test('batched: written when everyRows rows wait, or on flush; 0600, atomically replaced', async () => {
    const anchor = new FileAuditAnchor(join(dir, 'sub', 'batched'));
    const writer = new AnchorWriter({ anchor, key, chain: chainId, everyRows: 3, everyMs: 60_000, log });
    await writer.note(head(1));
    await writer.note(head(2));
    assert.equal(await anchor.read(), null);
    await writer.note(head(3));
    assert.equal(anchoredId(anchor.path), 3);
    assert.equal(statSync(anchor.path).mode & 0o777, 0o600);
    await writer.note(head(4));
    await writer.flush();
    assert.equal(anchoredId(anchor.path), 4);
    assert.deepEqual(writer.stats(), { written: 2, failed: 0, frozen: null });
  });

  test('a row at or below the anchored one freezes the anchor where it was', async () => {
    const anchor = new FileAuditAnchor(join(dir, 'frozen'));
    const writer = new AnchorWriter({ anchor, key, chain: chainId, everyRows: 1, everyMs: 1_000, log });
    await writer.note(head(5));
    await writer.note(head(3));
    await writer.note(head(9));
    assert.equal(anchoredId(anchor.path), 5);
    assert.match(writer.stats().frozen ?? '', /row 3 was appended, but row 5 is anchored/);
  });
});
