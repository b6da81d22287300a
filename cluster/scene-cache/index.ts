// The SceneCache implementations (runtime/scene-cache.ts): in-process and Redis, and the node service that picks one.
export { MemorySceneCache, type MemorySceneCacheOptions } from './memory-scene-cache.js';
export { RedisSceneCache, SCENE_VALUE_MAX_BYTES, type RedisSceneCacheOptions } from './redis-scene-cache.js';
export { SCENE_CACHE_MODULE, createSceneCacheService, sceneCacheFrom, type SceneCacheServiceOptions } from './scene-cache-service.js';
