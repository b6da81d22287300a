import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emptyCheckpoint, uuid6, type Checkpoint } from '@langchain/langgraph-checkpoint';
import { StoreCheckpointer } from '../../actors/session/store-checkpointer.js';
import { MemoryStateStore, StoreConflictError, type StateStore } from '../../runtime/index.js';

const meta = { source: 'loop' as const, step: 0, parents: {} };

function checkpoint(values: Record<string, unknown>, versions: Record<string, number>): Checkpoint {
  return { ...emptyCheckpoint(), id: uuid6(3), channel_values: values, channel_versions: versions };
}

describe('StoreCheckpointer over a StateStore', () => {
  test('two instances on one store: a stale cached version is reloaded on conflict and nothing is lost', async () => {
    const store = new MemoryStateStore();
    const a = new StoreCheckpointer(store);
    const b = new StoreCheckpointer(store);
    const root = { configurable: { thread_id: 't', checkpoint_ns: '' } };
    const c1 = await a.put(root, checkpoint({ x: 1 }, { x: 1 }), meta, { x: 1 });
    const c2 = await b.put(c1, checkpoint({ x: 2 }, { x: 2 }), meta, { x: 2 });
    // a still holds the version it wrote; its next write conflicts, reloads, and applies on b's document.
    await a.putWrites(c2, [['x', 3]], 'task');
    const latest = await b.getTuple(root);
    assert.equal(latest?.config.configurable?.checkpoint_id, c2.configurable?.checkpoint_id);
    assert.deepEqual(latest?.checkpoint.channel_values, { x: 2 });
    assert.deepEqual(latest?.pendingWrites, [['task', 'x', 3]]);
    assert.equal(await a.storedCheckpoints('t'), 2);
  });

  test('a store that keeps conflicting: the write fails with the conflict after a bounded number of reloads', async () => {
    let saves = 0;
    const store: StateStore = {
      load: async () => undefined,
      save: async (kind, id) => {
        saves++;
        throw new StoreConflictError(`${kind}:${id}`, null);
      },
      close: async () => {},
    };
    const cp = new StoreCheckpointer(store);
    await assert.rejects(cp.put({ configurable: { thread_id: 't' } }, checkpoint({}, {}), meta, {}), StoreConflictError);
    assert.equal(saves, 8);
  });

  test('at most maxCheckpoints per thread; values no kept checkpoint names are dropped', async () => {
    const store = new MemoryStateStore();
    const cp = new StoreCheckpointer(store, { maxCheckpoints: 3 });
    let config = { configurable: { thread_id: 'long', checkpoint_ns: '' } } as Parameters<StoreCheckpointer['put']>[0];
    for (let v = 1; v <= 20; v++) {
      config = await cp.put(config, checkpoint({ big: 'x'.repeat(100) + v, fixed: 'kept' }, { big: v, fixed: 1 }), meta, v === 1 ? { big: v, fixed: 1 } : { big: v });
      await cp.putWrites(config, [['big', v]], `task-${v}`);
    }
    assert.equal(await cp.storedCheckpoints('long'), 3);
    const doc = (await store.load('langgraph', 'thread:long'))!.state as { namespaces: Array<{ blobs: unknown[]; writes: unknown[] }> };
    assert.equal(doc.namespaces[0].blobs.length, 4, 'the three newest values of big and the one of fixed');
    assert.equal(doc.namespaces[0].writes.length, 3);
    const latest = await cp.getTuple({ configurable: { thread_id: 'long' } });
    assert.deepEqual(latest?.checkpoint.channel_values, { big: 'x'.repeat(100) + 20, fixed: 'kept' });
  });

  test('ids that are not bounded strings are refused with GLASS_ERR_INVALID_OPTION', async () => {
    const cp = new StoreCheckpointer(new MemoryStateStore());
    const code = (err: unknown) => (err as { code?: string }).code === 'GLASS_ERR_INVALID_OPTION';
    await assert.rejects(cp.put({ configurable: { thread_id: 'x'.repeat(513) } }, checkpoint({}, {}), meta, {}), code);
    await assert.rejects(cp.put({ configurable: { thread_id: 42 } }, checkpoint({}, {}), meta, {}), code);
    await assert.rejects(cp.getTuple({ configurable: { thread_id: '' } }), code);
    await assert.rejects(cp.putWrites({ configurable: { thread_id: 't' } }, [], 'task'), code);
    assert.throws(() => new StoreCheckpointer(new MemoryStateStore(), { maxCheckpoints: 0 }), code);
  });

  test('a thread id such as __proto__ is only data', async () => {
    const cp = new StoreCheckpointer(new MemoryStateStore());
    const saved = await cp.put({ configurable: { thread_id: '__proto__', checkpoint_ns: 'constructor' } }, checkpoint({ __proto__x: 1 }, { __proto__x: 1 }), meta, { __proto__x: 1 });
    assert.equal((await cp.getTuple(saved))?.checkpoint.id, saved.configurable?.checkpoint_id);
    assert.equal(({} as Record<string, unknown>).namespaces, undefined);
  });
});
