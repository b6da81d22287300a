// State checkpoints (cluster/checkpoints) on the embedded CouchDB-protocol server and the filesystem
// ObjectStore: incremental from `_changes`, versioned, restored into an empty database equal to the
// originals (minus `_rev`), and everything read back from the store checked.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import nano from 'nano';
import { CheckpointErrors, CheckpointSchedule, Checkpoints, createFsObjectStore, startEmbeddedCouch, type EmbeddedCouch } from '../../cluster/index.js';
import { ManualClock, createLogger, type ObjectStore } from '../../runtime/index.js';

describe('state checkpoints to the ObjectStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-checkpoints-'));
  let couch: EmbeddedCouch;
  let server: nano.ServerScope;
  let store: ObjectStore;
  const clock = new ManualClock(1_767_225_600_000);

  before(async () => {
    couch = await startEmbeddedCouch({ dataDir: join(dir, 'couch') });
    server = nano({ url: couch.url, parseUrl: false } as nano.Configuration);
    store = createFsObjectStore({ dir: join(dir, 'objects') });
  });

  after(async () => {
    await store.close();
    await couch.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every document of `db` minus `_rev`, by id. */
  async function contents(db: string): Promise<Map<string, Record<string, unknown>>> {
    const { rows } = await server.db.use(db).list({ include_docs: true });
    return new Map(rows.map((r) => {
      const { _rev: _ignored, ...doc } = r.doc as unknown as Record<string, unknown>;
      return [r.id, doc];
    }));
  }

  test('incremental checkpoints restore every document as it was at each time; a non-empty target is refused', async () => {
    await server.db.create('state');
    const db = server.db.use<Record<string, unknown>>('state');
    const cp = new Checkpoints({ couchUrl: couch.url, db: 'state', store, clock });
    assert.equal(await cp.now(), null, 'nothing to checkpoint yet');
    await db.bulk({ docs: Array.from({ length: 1_200 }, (_, i) => ({ _id: `room:r${i}`, history: [`line ${i}`], nested: { n: i, u: 'é☃' } })) });
    const first = await cp.now();
    assert.equal(first?.n, 1);
    assert.equal(first?.docs, 1_200);
    assert.ok((first?.chunks.length ?? 0) >= 2, 'more than one chunk');
    const atFirst = await contents('state');

    clock.advance(3_600_000);
    const r5 = await db.get('room:r5');
    await db.insert({ ...r5, history: ['changed'] });
    const r6 = await db.get('room:r6');
    await db.destroy('room:r6', r6._rev);
    await db.insert({ _id: 'session:s1', turns: [{ n: 1, text: 'A door.' }] });
    const second = await cp.now();
    assert.equal(second?.n, 2);
    assert.equal(second?.docs, 3, 'only what changed since the first');
    assert.equal(second?.since, first?.until);
    const atSecond = await contents('state');

    assert.deepEqual((await cp.list()).map((c) => [c.n, c.docs]), [[1, 1_200], [2, 3]]);

    const latest = await cp.restore(clock.now(), { couchUrl: couch.url, db: 'restored-latest' });
    assert.deepEqual(latest, { checkpoint: 2, docs: 1_200 });
    assert.deepEqual(await contents('restored-latest'), atSecond);

    const older = await cp.restore(clock.now() - 1, { couchUrl: couch.url, db: 'restored-first' });
    assert.equal(older.checkpoint, 1);
    assert.deepEqual(await contents('restored-first'), atFirst);

    await assert.rejects(cp.restore(clock.now(), { couchUrl: couch.url, db: 'state' }), { code: CheckpointErrors.NOT_EMPTY });
    await assert.rejects(cp.restore(0, { couchUrl: couch.url, db: 'never' }), { code: CheckpointErrors.NONE });
  });

  test('what is read back is checked: an altered chunk, a forged manifest, a missing checkpoint in the chain', async () => {
    const objects = createFsObjectStore({ dir: join(dir, 'objects-tamper') });
    try {
      await server.db.create('tamper');
      const db = server.db.use<Record<string, unknown>>('tamper');
      const cp = new Checkpoints({ couchUrl: couch.url, db: 'tamper', store: objects, clock });
      await db.insert({ _id: 'a', v: 1 });
      const one = await cp.now();
      await db.insert({ _id: 'b', v: 2 });
      const two = await cp.now();
      assert.ok(one !== null && two !== null);

      const chunk = one.chunks[0].key;
      const original = (await objects.get(chunk)) as Uint8Array;
      await objects.put(chunk, Buffer.from(Buffer.from(original).toString('utf8').replace('"v":1', '"v":9')));
      await assert.rejects(cp.restore(clock.now(), { couchUrl: couch.url, db: 'tamper-out-1' }), { code: CheckpointErrors.CORRUPT });
      await objects.put(chunk, original);

      const manifest = `${cp.prefix}0000000002/manifest.json`;
      const saved = (await objects.get(manifest)) as Uint8Array;
      await objects.put(manifest, JSON.stringify({ ...JSON.parse(Buffer.from(saved).toString('utf8')), chunks: [{ key: '../../etc/passwd', docs: 1, bytes: 1, sha256: '0'.repeat(64) }] }));
      await assert.rejects(cp.list(), { code: CheckpointErrors.CORRUPT });
      await objects.put(manifest, 'not json');
      await assert.rejects(cp.list(), { code: CheckpointErrors.CORRUPT });
      await objects.put(manifest, saved);

      await objects.delete(`${cp.prefix}0000000001/manifest.json`);
      await assert.rejects(cp.list(), { code: CheckpointErrors.CORRUPT }, 'checkpoint 2 without 1');
    } finally {
      await objects.close();
    }
  });

  test('the schedule takes one every period on the injected clock, and a failure waits for the next tick', async () => {
    const manual = new ManualClock(0);
    const results: unknown[] = [];
    let calls = 0;
    let tick: () => void = () => {};
    const schedule = new CheckpointSchedule({
      take: async () => {
        calls++;
        if (calls === 2) throw new Error('store away');
        return null;
      },
      everyMs: 1_000,
      clock: manual,
      log: createLogger('test', 'silent'),
      onTick: (r) => {
        results.push(r instanceof Error ? r.message : r);
        tick();
      },
    });
    const next = () => new Promise<void>((resolve) => (tick = resolve));
    schedule.start();
    manual.advance(999);
    assert.equal(calls, 0);
    let ticked = next();
    manual.advance(1);
    await ticked;
    ticked = next();
    manual.advance(1_000);
    await ticked;
    ticked = next();
    manual.advance(1_000);
    await ticked;
    assert.deepEqual(results, [null, 'store away', null]);
    await schedule.stop();
    manual.advance(10_000);
    assert.equal(calls, 3);
  });
});
