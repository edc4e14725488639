import { cache } from './cache-step.js';

export default cache;
export { cache, cacheStatusHeader, type CacheStatus } from './cache-step.js';
export type { CacheOptions, CacheScope, CacheStoreOptions } from './cache-options.js';
export type { CacheEntry, CachedResult } from './cache-entry.js';
export type { CacheStore } from './cache-store.js';
export { cacheKey, type CacheKeyInput } from './cache-key.js';
export { cacheScopeValue } from './cache-scope.js';
export { canonicalCopy, canonicalJson } from './canonical-json.js';
export { readCacheDirectives, type CacheDirectives } from './cache-directives.js';
export { MemoryCacheStore, type MemoryCacheStoreOptions } from './memory-cache-store.js';
export { RedisCacheStore, type RedisCacheStoreOptions } from './redis-cache-store.js';
export { encodeCacheValue, decodeCacheValue } from './encode-cache-value.js';
export { recordStream } from './record-stream.js';
export { replayParts } from './replay-parts.js';
export { responseToStreamParts, splitAtWords } from './response-to-stream-parts.js';
export { streamPartsToResponse } from './stream-parts-to-response.js';
export { throttledWarning, type ThrottledWarning } from './throttled-warning.js';
