import { describe, expect, it } from 'vitest';
import { readCacheDirectives } from '../src/index.js';

describe('Cache-Control and x-switchyard-cache-ttl', () => {
  it('reads nothing from no headers', () => {
    expect(readCacheDirectives({})).toEqual({ noCache: false, noStore: false });
  });

  it('reads no-cache, no-store and max-age, in any case and spacing', () => {
    expect(readCacheDirectives({ 'cache-control': 'no-cache' })).toMatchObject({ noCache: true, noStore: false });
    expect(readCacheDirectives({ 'cache-control': 'No-Store' })).toMatchObject({ noCache: false, noStore: true });
    expect(readCacheDirectives({ 'cache-control': ' no-cache , no-store ' })).toMatchObject({ noCache: true, noStore: true });
    expect(readCacheDirectives({ 'cache-control': 'max-age=60' })).toEqual({ noCache: false, noStore: false, maxAgeSeconds: 60 });
    expect(readCacheDirectives({ 'cache-control': 'max-age="30", private' })).toMatchObject({ maxAgeSeconds: 30 });
  });

  it('takes the strictest of several max-age values; max-age=0 means no-cache', () => {
    expect(readCacheDirectives({ 'cache-control': 'max-age=60, max-age=10' })).toMatchObject({ maxAgeSeconds: 10 });
    expect(readCacheDirectives({ 'cache-control': 'max-age=0' })).toMatchObject({ noCache: true, maxAgeSeconds: 0 });
  });

  it('ignores malformed values instead of refusing the request', () => {
    expect(readCacheDirectives({ 'cache-control': 'max-age=soon' })).toEqual({ noCache: false, noStore: false });
    expect(readCacheDirectives({ 'cache-control': 'max-age=-5' })).toEqual({ noCache: false, noStore: false });
    expect(readCacheDirectives({ 'cache-control': ',,=,' })).toEqual({ noCache: false, noStore: false });
  });

  it('reads the ttl header as whole positive seconds', () => {
    expect(readCacheDirectives({ 'x-switchyard-cache-ttl': '120' })).toMatchObject({ ttlSeconds: 120 });
    expect(readCacheDirectives({ 'x-switchyard-cache-ttl': '0' }).ttlSeconds).toBeUndefined();
    expect(readCacheDirectives({ 'x-switchyard-cache-ttl': '1.5' }).ttlSeconds).toBeUndefined();
    expect(readCacheDirectives({ 'x-switchyard-cache-ttl': 'forever' }).ttlSeconds).toBeUndefined();
  });
});
