import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStateStore, StoreUnavailableError, type SeqTable, type StateStore, type StoredState } from '../../runtime/index.js';
import { MessageChannel } from 'node:worker_threads';
import { ReportingStateStore, SAVE_DONE, SAVE_FAILED, SAVE_STARTED, encodeSeed, type SaveEvent, type SavedDoc } from '../../runtime/host/saved-state-report.js';
import { StateCopy } from '../../runtime/node/state-copy.js';
import { StateCopyLinks } from '../../runtime/node/state-copy-links.js';

const done = (key: string, json: string, version: string, epoch = 1, seqs: string | null = null): SaveEvent => [SAVE_DONE, key, json, version, epoch, seqs];
const started = (key: string): SaveEvent => [SAVE_STARTED, key];
const failed = (key: string): SaveEvent => [SAVE_FAILED, key];
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('the copy holds a document only when its last save is known to be done, with the revision the store gave', () => {
  const copy = new StateCopy(1 << 20);
  copy.apply(1, [started('a:1'), done('a:1', '{"n":1}', '1-x')]);
  assert.deepEqual(copy.get('a:1'), ['a:1', '{"n":1}', '1-x', 1, null]);
  // A save in flight: the store may hold either revision, so neither is served.
  copy.apply(1, [started('a:1')]);
  assert.equal(copy.get('a:1'), undefined);
  copy.apply(1, [done('a:1', '{"n":2}', '2-y', 1)]);
  assert.deepEqual(copy.get('a:1')?.slice(1, 3), ['{"n":2}', '2-y']);
  // A failed save may have landed (a timeout): nothing is kept.
  copy.apply(1, [started('a:1'), failed('a:1')]);
  assert.equal(copy.get('a:1'), undefined);
  assert.equal(copy.size, 0);
  // Two saves in flight: the first one's acknowledgement is not the last word.
  copy.apply(1, [started('b:1'), started('b:1'), done('b:1', '{}', '1-a')]);
  assert.equal(copy.get('b:1'), undefined);
  copy.apply(1, [done('b:1', '{"v":2}', '2-b')]);
  assert.equal(copy.get('b:1')?.[2], '2-b');
  // An acknowledgement of a save the copy never saw start (cleared since) changes nothing.
  copy.clear();
  copy.apply(1, [done('b:1', '{"v":3}', '3-c')]);
  assert.equal(copy.get('b:1'), undefined);
});

test('the copy stays within its byte budget: the documents saved longest ago go first', () => {
  const json = 'x'.repeat(100);
  // Each entry: 96 + 2 × (3 + 100 + 3) = 308 bytes; the budget holds three.
  const copy = new StateCopy(3 * 308);
  copy.apply(1, [started('k:1'), done('k:1', json, '1-a'), started('k:2'), done('k:2', json, '1-a'), started('k:3'), done('k:3', json, '1-a')]);
  assert.equal(copy.stats().bytes, 3 * 308);
  // k:1 saved again: now the most recent, so k:2 is the one evicted by k:4.
  copy.apply(1, [started('k:1'), done('k:1', json, '2-a'), started('k:4'), done('k:4', json, '1-a')]);
  assert.equal(copy.get('k:2'), undefined);
  assert.ok(copy.get('k:1') && copy.get('k:3') && copy.get('k:4'));
  const stats = copy.stats();
  assert.equal(stats.evicted, 1);
  assert.ok(stats.bytes <= stats.maxBytes);
  // A document larger than the whole budget is never kept.
  copy.apply(2, [started('big:1'), done('big:1', 'y'.repeat(4_000), '1-b')]);
  assert.equal(copy.get('big:1'), undefined);
  assert.ok(copy.stats().bytes <= copy.stats().maxBytes);
});

test('a dead worker: its saves in flight are forgotten, and all of its documents when it left a save unreported', () => {
  const copy = new StateCopy(1 << 20);
  copy.apply(1, [started('a:1'), done('a:1', '{}', '1-a'), started('a:2'), done('a:2', '{}', '1-a'), started('a:2')]);
  copy.apply(2, [started('b:1'), done('b:1', '{}', '1-a')]);
  copy.workerDied(1, false);
  assert.deepEqual(copy.docsOf(1, () => true).map((d) => d[0]), ['a:1']);
  copy.workerDied(1, true);
  assert.deepEqual(copy.docsOf(1, () => true), []);
  assert.deepEqual(copy.docsOf(2, () => true).map((d) => d[0]), ['b:1'], 'the other worker keeps its own');
  assert.deepEqual(copy.docsOf(2, (key) => key !== 'b:1'), [], 'a document whose actor moved is not handed over');
});

/** An inner store that records what it was asked, and fails when told to. */
function recordingStore(): StateStore & { loads: string[]; failNext: boolean } {
  const inner = new MemoryStateStore();
  const store = {
    loads: [] as string[],
    failNext: false,
    load(kind: string, id: string): Promise<StoredState | undefined> {
      store.loads.push(`${kind}:${id}`);
      return inner.load(kind, id);
    },
    save(kind: string, id: string, state: unknown, expected: string | null, epoch: number, seqs?: SeqTable): Promise<string> {
      if (store.failNext) {
        store.failNext = false;
        return Promise.reject(new StoreUnavailableError('save', `${kind}:${id}`));
      }
      return inner.save(kind, id, state, expected, epoch, seqs);
    },
    close: () => inner.close(),
  };
  return store;
}

test('worker side to main side: acknowledged saves reach the copy, the replacement is seeded once per actor, and a save never reported drops the worker copy', async () => {
  const links = new StateCopyLinks(1 << 20, () => true);
  const inner = recordingStore();
  const first = new ReportingStateStore(inner, links.forWorker(1));
  const v1 = await first.save('a', '1', { n: 1 }, null, 1, { peer: [1, 5] });
  await first.save('a', '2', { n: 2 }, null, 1);
  inner.failNext = true;
  await assert.rejects(first.save('a', '3', { n: 3 }, null, 1));
  await tick();
  links.workerDied(1);
  assert.deepEqual(links.copy.get('a:1'), ['a:1', '{"n":1}', v1, 1, '{"peer":[1,5]}']);
  assert.equal(links.copy.get('a:3'), undefined, 'a failed save leaves nothing');

  // The replacement: its first load of a:1 comes from the copy, exactly as stored.
  const seeded = links.forWorker(1);
  assert.deepEqual(links.copy.docsOf(1, () => true).map((d) => d[0]).sort(), ['a:1', 'a:2']);
  const second = new ReportingStateStore(inner, seeded);
  assert.deepEqual(await second.load('a', '1'), { state: { n: 1 }, version: v1, epoch: 1, seqs: { peer: [1, 5] } });
  assert.deepEqual(inner.loads, []);
  // Once only: the next load of it is the store's.
  await second.load('a', '1');
  assert.deepEqual(inner.loads, ['a:1']);
  // A save drops the seeded document (this worker's own saves are the truth from now on).
  const v2 = await second.save('a', '2', { n: 22 }, '1', 2);
  assert.equal((await second.load('a', '2'))?.version, v2);
  assert.deepEqual(inner.loads, ['a:1', 'a:2']);
  assert.equal(second.seedHits, 1);

  // A save started and the thread gone before its announcement was posted: which key is unknown.
  await tick();
  void second.save('a', '4', { n: 4 }, null, 1);
  links.workerDied(1);
  assert.deepEqual(links.copy.docsOf(1, () => true), [], 'everything of the worker is read from the store');
  links.close();
});

test('the seed crosses threads as one string; a document whose key holds a separator is left out', () => {
  const docs: SavedDoc[] = [
    ['a:1', '{"t":"x\\u0001y"}', '3-abc', 4, '{"n":[1,2]}'],
    ['a:\u0002bad', '{}', '1-a', 1, null],
    ['a:2', '"plain"', '1-b', 1, null],
  ];
  const seed = encodeSeed(docs);
  const store = new ReportingStateStore(new MemoryStateStore(), { port: new MessageChannel().port1, pending: new SharedArrayBuffer(4), seed, seedForMs: 60_000 });
  assert.equal(store.seedSize, 2);
  return Promise.all([store.load('a', '1'), store.load('a', '2')]).then(([one, two]) => {
    assert.deepEqual(one, { state: { t: 'x\u0001y' }, version: '3-abc', epoch: 4, seqs: { n: [1, 2] } });
    assert.deepEqual(two, { state: 'plain', version: '1-b', epoch: 1 });
    store.dropSeed();
  });
});

test('a seed is dropped when the placement changes', async () => {
  const links = new StateCopyLinks(1 << 20, () => true);
  const inner = recordingStore();
  const first = new ReportingStateStore(inner, links.forWorker(1));
  await first.save('a', '1', { n: 1 }, null, 1);
  await tick();
  links.workerDied(1);
  const second = new ReportingStateStore(inner, links.forWorker(1));
  assert.equal(second.seedSize, 1);
  second.dropSeed();
  await second.load('a', '1');
  assert.deepEqual(inner.loads, ['a:1']);
  links.clear();
  assert.equal(links.copy.size, 0);
  links.close();
});
