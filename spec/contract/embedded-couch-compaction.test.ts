import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createCouchStateStore, startEmbeddedCouch, type EmbeddedCouch } from '../../cluster/index.js';
import type { StateStore } from '../../runtime/index.js';
import { dbNamer, tempDataDir } from './couch-harness.js';

const nextDb = dbNamer('glass_compaction');

/** Bytes of every file under `dir`. */
function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(path) : statSync(path).size;
  }
  return total;
}

async function getText(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

describe('the embedded store keeps few revisions and compacts: redaction is real, storage bounded', () => {
  const dir = tempDataDir('couch-compaction');
  let couch: EmbeddedCouch;
  const stores: StateStore[] = [];

  before(async () => {
    couch = await startEmbeddedCouch({ dataDir: dir.path, revsLimit: 3 });
  });
  after(async () => {
    await Promise.allSettled(stores.map((s) => s.close()));
    await couch?.close();
    dir.remove();
  });

  test('after a line is redacted by a save, no earlier revision holding its text can be read back', async () => {
    const db = nextDb();
    const store = createCouchStateStore({ url: couch.url, db });
    stores.push(store);
    const secret = 'the dragon hoard is under the well';
    const line = (seq: number, text: string, redacted = false) => ({ seq, player: 'ana', text, at: 0, ...(redacted && { redacted: true }) });
    const revs: string[] = [];
    let v = await store.save('room', 'well', { history: [line(1, 'hello')], seq: 1 }, null, 1);
    revs.push(v);
    v = await store.save('room', 'well', { history: [line(1, 'hello'), line(2, secret)], seq: 2 }, v, 1);
    revs.push(v);
    // A few more lines after it: the text stays in every later revision until the redaction.
    for (let seq = 3; seq <= 6; seq++) {
      v = await store.save('room', 'well', { history: [line(1, 'hello'), line(2, secret), ...[...Array(seq - 2)].map((_, i) => line(3 + i, `line ${3 + i}`))], seq }, v, 1);
      revs.push(v);
    }
    // The redaction: the line stays, its text goes (as the room's `redact` override saves it).
    v = await store.save('room', 'well', { history: [line(1, 'hello'), line(2, '', true), line(3, 'line 3')], seq: 6 }, v, 1);
    const doc = `${couch.url}/${db}/${encodeURIComponent('room:well')}`;
    const current = await getText(doc);
    assert.equal(current.status, 200);
    assert.doesNotMatch(current.text, /dragon/);
    for (const rev of revs) {
      const old = await getText(`${doc}?rev=${rev}`);
      assert.doesNotMatch(old.text, /dragon/, `revision ${rev} is not readable (${old.status})`);
      assert.equal(old.status, 404, `revision ${rev}: ${old.text}`);
    }
    for (const query of ['open_revs=all', 'revs=true', 'revs_info=true', 'conflicts=true&deleted_conflicts=true', 'meta=true']) {
      assert.doesNotMatch((await getText(`${doc}?${query}`)).text, /dragon/, query);
    }
    const changes = await getText(`${couch.url}/${db}/_changes?style=all_docs&include_docs=true`);
    assert.doesNotMatch(changes.text, /dragon/);
    const rows = (JSON.parse(changes.text) as { results: { changes: { rev: string }[] }[] }).results;
    assert.deepEqual(rows.map((r) => r.changes.map((c) => c.rev)), [[v]], 'one revision, the current one');
    // The revision tree is stemmed to the limit: 3 ids at most.
    const withRevs = JSON.parse((await getText(`${doc}?revs=true`)).text) as { _revisions: { ids: string[] } };
    assert.ok(withRevs._revisions.ids.length <= 3, `${withRevs._revisions.ids.length} revisions kept`);
    // _all_docs and a bulk read of the old revisions say the same.
    const bulk = await fetch(`${couch.url}/${db}/_bulk_get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ docs: revs.map((rev) => ({ id: 'room:well', rev })) }) });
    assert.doesNotMatch(await bulk.text(), /dragon/);
  });

  test('a steady stream of saves of one document does not grow the data directory past a bound', async () => {
    const db = nextDb();
    const store = createCouchStateStore({ url: couch.url, db });
    stores.push(store);
    const filler = 'x'.repeat(64 * 1024);
    let v: string | null = null;
    const sizes: number[] = [];
    const ROUNDS = 6;
    const PER_ROUND = 100;
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < PER_ROUND; i++) v = await store.save('room', 'busy', { n: round * PER_ROUND + i, filler }, v, 1);
      sizes.push(dirBytes(dir.path));
    }
    const written = ROUNDS * PER_ROUND * filler.length;
    const beforeCompact = dirBytes(dir.path);
    assert.equal((await fetch(`${couch.url}/${db}/_compact`, { method: 'POST', headers: { 'content-type': 'application/json' } })).status, 202);
    const afterCompact = dirBytes(dir.path);
    // Every revision kept would be ~38 MiB. What stays is leveldb's own working set: its write-ahead
    // log (flushed at 4 MiB) and the tables its background compaction has not merged yet.
    const BOUND = 12 * 1024 * 1024;
    for (const [round, size] of sizes.entries()) assert.ok(size < BOUND, `after ${(round + 1) * PER_ROUND} saves: ${size} bytes (of ${written} written)`);
    assert.ok(afterCompact < BOUND, `after _compact: ${afterCompact} bytes (before: ${beforeCompact})`);
    // No revision but the current one is readable.
    const revs = JSON.parse(await (await fetch(`${couch.url}/${db}/room%3Abusy?revs_info=true`)).text()) as { _revs_info: { status: string }[] };
    assert.deepEqual(revs._revs_info.map((r) => r.status), ['available', 'missing', 'missing']);
  });
});
