import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ObjectStoreErrors, type ObjectStore } from '../../runtime/index.js';

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('utf8'));

/**
 * What every ObjectStore must do. The implementation's test file calls this with a factory giving a
 * fresh, empty store per test (its own directory or bucket); the store is closed after each test.
 */
export function objectStoreContract(name: string, createStore: () => ObjectStore | Promise<ObjectStore>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    async function withStore(body: (store: ObjectStore) => Promise<void>): Promise<void> {
      const store = await createStore();
      try {
        await body(store);
      } finally {
        await store.close();
      }
    }

    test('an absent key reads as undefined (get, stat), and delete of it is harmless', () =>
      withStore(async (store) => {
        assert.equal(await store.get('archive/none.json'), undefined);
        assert.equal(await store.stat('archive/none.json'), undefined);
        await store.delete('archive/none.json');
        assert.equal(await store.get('archive/none.json'), undefined);
        assert.equal((await store.versions('archive/none.json')).filter((v) => !v.deleteMarker).length, 0);
      }));

    test('put then get returns the same bytes; stat gives size and time; strings are UTF-8', () =>
      withStore(async (store) => {
        const bytes = new Uint8Array([0, 1, 2, 250, 255]);
        await store.put('a/bin', bytes);
        assert.deepEqual(Buffer.from((await store.get('a/bin'))!), Buffer.from(bytes));
        await store.put('a/text.json', '{"é":"✓"}');
        assert.equal(text(await store.get('a/text.json')), '{"é":"✓"}');
        const info = await store.stat('a/text.json');
        assert.equal(info?.key, 'a/text.json');
        assert.equal(info?.size, Buffer.byteLength('{"é":"✓"}'));
        assert.ok(info!.lastModified > Date.UTC(2020, 0, 1));
      }));

    test('an empty object is an object', () =>
      withStore(async (store) => {
        await store.put('empty', '');
        assert.equal((await store.get('empty'))?.byteLength, 0);
        assert.equal((await store.stat('empty'))?.size, 0);
      }));

    test('a key and a key below it can both exist (a and a/b)', () =>
      withStore(async (store) => {
        await store.put('a', 'top');
        await store.put('a/b', 'below');
        assert.equal(text(await store.get('a')), 'top');
        assert.equal(text(await store.get('a/b')), 'below');
        assert.deepEqual((await store.list('a')).items.map((i) => i.key), ['a', 'a/b']);
      }));

    test('list: by prefix, in UTF-8 key order, paged with after/next until next is null', () =>
      withStore(async (store) => {
        const keys = ['r/x/0003', 'r/x/0001', 'r/x/0002', 'r/x-y', 'r/y/0001', 'other/0001', 'r/x/0004', 'r/x/0005'];
        for (const k of keys) await store.put(k, k);
        const all = await store.list('r/');
        assert.deepEqual(all.items.map((i) => i.key), ['r/x-y', 'r/x/0001', 'r/x/0002', 'r/x/0003', 'r/x/0004', 'r/x/0005', 'r/y/0001']);
        assert.equal(all.next, null);
        assert.equal(all.items[1]!.size, 'r/x/0001'.length);
        const seen: string[] = [];
        let after: string | undefined;
        for (let pages = 0; pages < 10; pages++) {
          const page = await store.list('r/x/', { limit: 2, ...(after !== undefined && { after }) });
          assert.ok(page.items.length <= 2);
          seen.push(...page.items.map((i) => i.key));
          if (page.next === null) break;
          after = page.next;
        }
        assert.deepEqual(seen, ['r/x/0001', 'r/x/0002', 'r/x/0003', 'r/x/0004', 'r/x/0005']);
        assert.deepEqual((await store.list('r/x/00')).items.length, 5);
        assert.deepEqual((await store.list('nothing/')).items, []);
        assert.equal((await store.list('')).items.length, keys.length);
      }));

    test('versions: each put keeps the old one, newest first, each readable by id; stat by id', () =>
      withStore(async (store) => {
        if (!store.versioned) return;
        const v1 = await store.put('audit/head.json', 'one');
        const v2 = await store.put('audit/head.json', 'two!');
        await store.put('audit/head.json.bak', 'other key, same prefix');
        assert.equal(typeof v1.versionId, 'string');
        assert.notEqual(v1.versionId, v2.versionId);
        assert.equal(text(await store.get('audit/head.json')), 'two!');
        const versions = await store.versions('audit/head.json');
        assert.deepEqual(versions.map((v) => v.versionId), [v2.versionId, v1.versionId]);
        assert.deepEqual(versions.map((v) => [v.isLatest, v.deleteMarker, v.size]), [[true, false, 4], [false, false, 3]]);
        assert.equal(text(await store.get('audit/head.json', { versionId: v1.versionId! })), 'one');
        assert.equal((await store.stat('audit/head.json', { versionId: v1.versionId! }))?.size, 3);
        assert.equal((await store.versions('audit/head.json', { limit: 1 })).length, 1);
      }));

    test('delete: the key reads as absent and leaves list; on a versioned store old versions stay', () =>
      withStore(async (store) => {
        const v1 = await store.put('d/k', 'kept');
        await store.delete('d/k');
        assert.equal(await store.get('d/k'), undefined);
        assert.equal(await store.stat('d/k'), undefined);
        assert.deepEqual((await store.list('d/')).items, []);
        if (!store.versioned) return;
        const versions = await store.versions('d/k');
        assert.equal(versions.length, 2);
        assert.equal(versions[0]!.deleteMarker, true);
        assert.equal(versions[0]!.isLatest, true);
        assert.equal(text(await store.get('d/k', { versionId: v1.versionId! })), 'kept');
        await store.put('d/k', 'again');
        assert.equal(text(await store.get('d/k')), 'again');
      }));

    test('delete of one version removes it for good; deleting the newest brings back the one before', () =>
      withStore(async (store) => {
        if (!store.versioned) return;
        const v1 = await store.put('p/k', 'first');
        const v2 = await store.put('p/k', 'second');
        const v3 = await store.put('p/k', 'third');
        await store.delete('p/k', { versionId: v2.versionId! });
        assert.equal(await store.get('p/k', { versionId: v2.versionId! }), undefined);
        assert.deepEqual((await store.versions('p/k')).map((v) => v.versionId), [v3.versionId, v1.versionId]);
        assert.equal(text(await store.get('p/k')), 'third');
        await store.delete('p/k', { versionId: v3.versionId! });
        assert.equal(text(await store.get('p/k')), 'first');
        assert.deepEqual((await store.list('p/')).items.map((i) => i.key), ['p/k']);
        await store.delete('p/k', { versionId: v1.versionId! });
        assert.equal(await store.get('p/k'), undefined);
        assert.deepEqual(await store.versions('p/k'), []);
        assert.deepEqual((await store.list('p/')).items, []);
      }));

    test('an unknown version id reads as undefined', () =>
      withStore(async (store) => {
        await store.put('v/k', 'x');
        assert.equal(await store.get('v/k', { versionId: 'no-such-version' }), undefined);
      }));

    test('unsafe keys are refused with GLASS_ERR_OBJECT_KEY before any I/O', () =>
      withStore(async (store) => {
        const bad = ['', '/etc/passwd', '../x', 'a/../../x', 'a/./b', 'a//b', 'a/', 'nul\u0000byte', 'back\\slash', 'x'.repeat(1025), 'a/' + 'y'.repeat(201)];
        for (const key of bad) {
          await assert.rejects(store.put(key, 'x'), (e: { code?: string }) => e.code === ObjectStoreErrors.INVALID_KEY, JSON.stringify(key.slice(0, 30)));
          await assert.rejects(store.get(key), (e: { code?: string }) => e.code === ObjectStoreErrors.INVALID_KEY);
        }
        await assert.rejects(store.list('../'), (e: { code?: string }) => e.code === ObjectStoreErrors.INVALID_KEY);
        await assert.rejects(store.list('a', { limit: 0 }), (e: { code?: string }) => e.code === 'GLASS_ERR_INVALID_OPTION');
      }));

    test('get with maxBytes refuses a larger object with GLASS_ERR_OBJECT_TOO_LARGE', () =>
      withStore(async (store) => {
        await store.put('big', 'x'.repeat(2048));
        await assert.rejects(store.get('big', { maxBytes: 1024 }), (e: { code?: string }) => e.code === ObjectStoreErrors.TOO_LARGE);
        assert.equal((await store.get('big', { maxBytes: 4096 }))?.byteLength, 2048);
      }));

    test('concurrent puts of distinct keys all land; concurrent puts of one key leave one whole value', () =>
      withStore(async (store) => {
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.put(`c/${String(i).padStart(2, '0')}`, `v${i}`)));
        assert.equal((await store.list('c/')).items.length, 20);
        const values = Array.from({ length: 8 }, (_, i) => `value-${i}-${'z'.repeat(1000 * i)}`);
        await Promise.all(values.map((v) => store.put('c/one', v)));
        assert.ok(values.includes(text(await store.get('c/one'))!));
        if (store.versioned) assert.equal((await store.versions('c/one')).length, 8);
      }));
  });
}
