import type { IncomingHttpHeaders } from 'node:http';

/** What one request asks of the cache. */
export interface CacheDirectives {
  /** `Cache-Control: no-cache` (or `max-age=0`): do not answer from the cache, but store the fresh answer. */
  noCache: boolean;
  /** `Cache-Control: no-store`: do not store this answer. */
  noStore: boolean;
  /** `Cache-Control: max-age=N`: accept only an entry at most N seconds old. */
  maxAgeSeconds?: number;
  /** `x-switchyard-cache-ttl: N`: keep this answer N seconds instead of the configured ttl. */
  ttlSeconds?: number;
}

/**
 * Reads `Cache-Control` (the request directives of RFC 9111 the cache honours) and
 * `x-switchyard-cache-ttl`. Unknown directives and malformed values are ignored, as
 * HTTP caches do, rather than refused.
 */
export function readCacheDirectives(headers: IncomingHttpHeaders): CacheDirectives {
  const directives: CacheDirectives = { noCache: false, noStore: false };
  const cacheControl = headers['cache-control'];
  const text = Array.isArray(cacheControl) ? cacheControl.join(',') : cacheControl;
  if (text) {
    for (const item of text.split(',')) {
      const [rawName, ...rawValue] = item.split('=');
      const name = rawName!.trim().toLowerCase();
      const value = rawValue.join('=').trim().replace(/^"(.*)"$/, '$1');
      if (name === 'no-cache') directives.noCache = true;
      else if (name === 'no-store') directives.noStore = true;
      else if (name === 'max-age') {
        const seconds = parseSeconds(value);
        // With several max-age values, the strictest one wins.
        if (seconds !== undefined) directives.maxAgeSeconds = Math.min(seconds, directives.maxAgeSeconds ?? Infinity);
      }
    }
  }
  if (directives.maxAgeSeconds === 0) directives.noCache = true;
  const ttl = parseSeconds(headerText(headers['x-switchyard-cache-ttl']));
  if (ttl !== undefined && ttl > 0) directives.ttlSeconds = ttl;
  return directives;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseSeconds(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,10}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
