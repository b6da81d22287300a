// The scene-cache service as every worker builds it: in-process without a URL, and light to load —
// its static imports reach neither ioredis nor the narrators' entry (which loads every provider's
// SDK): a replacement worker must be back inside a resume window.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { MemorySceneCache, SCENE_CACHE_MODULE, sceneCacheFrom } from '../../cluster/index.js';

test('without a Redis URL the service is the in-process cache', async () => {
  const cache = await sceneCacheFrom({});
  assert.ok(cache instanceof MemorySceneCache);
  await cache.close();
});

test("the service module's static imports are the runtime, the memory cache and types only", () => {
  const source = readFileSync(fileURLToPath(SCENE_CACHE_MODULE.module), 'utf8');
  const statics = [...source.matchAll(/^import\s+(?:[^'"]*?\sfrom\s*)?['"]([^'"]+)['"]/gm)].map((m) => m[1]);
  assert.deepEqual(statics.sort(), ['../../runtime/index.js', './memory-scene-cache.js']);
});
