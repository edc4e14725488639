import { describe, expect, it } from 'vitest';
import { isCacheEntry, readCacheEntry } from '../src/cache-entry.js';
import { decodeCacheValue, encodeCacheValue } from '../src/index.js';
import { textEntry } from './support/cache-entries.js';

describe("a cache entry's usageEstimated flag", () => {
  it('an entry written before the flag was kept (none) is read, as the provider’s count', () => {
    const old = textEntry('x');
    expect('usageEstimated' in old).toBe(false);
    expect(readCacheEntry(JSON.parse(JSON.stringify(old)))).toEqual(old);
  });

  it('an entry with it is read, and keeps it through a shared store’s encoding', async () => {
    const entry = { ...textEntry('x'), usageEstimated: true as const };
    expect(isCacheEntry(entry)).toBe(true);
    expect(await decodeCacheValue(await encodeCacheValue(entry, 1))).toEqual(entry);
  });

  it.each([false, 'yes', 1, null])('an entry of this version whose flag is %j is unreadable (forged or corrupt), not a hit', (flag) => {
    expect(() => readCacheEntry({ ...textEntry('x'), usageEstimated: flag })).toThrow(/unreadable/);
  });
});
