import { createRequire } from 'node:module';
import { redisUrlProblem } from '@switchyard/core';
import { describe, expect, it } from 'vitest';

// ioredis's own reading of a URL, the one `switchyard start` gets.
const { parseURL } = createRequire(import.meta.url)('ioredis/built/utils/index.js') as { parseURL(url: string): Record<string, unknown> };

/** How ioredis reads a URL: the host, port, db and password it would use, or why it throws. */
function ioredisReads(url: string): Record<string, unknown> | string {
  try {
    return parseURL(url);
  } catch (error) {
    return (error as Error).message;
  }
}

/*
 * Validation reads a Redis URL as ioredis does: what it refuses ioredis would throw on at start (a stack
 * trace) or read with another host or database than written; what it takes, ioredis reads as written.
 */
describe('redisUrlProblem agrees with ioredis', () => {
  it.each([
    'redis://127.0.0.1:6379',
    'rediss://default:s%2Fcret@cache.internal:6380/2',
    'redis://:p%40ss@127.0.0.1',
    'redis://user:a@b@127.0.0.1:6379',
    'redis://127.0.0.1:6379/',
    'redis://u:p@127.0.0.1:6379/0?connectionName=a@b',
  ])('takes %s, which ioredis reads', (url) => {
    expect(redisUrlProblem(url)).toBeUndefined();
    const read = ioredisReads(url);
    expect(typeof read).toBe('object');
    expect(['127.0.0.1', 'cache.internal']).toContain((read as { host?: string }).host);
  });

  it.each([
    ['redis://default:ab/cd@127.0.0.1:6379', "its user name or password holds '/' as it is: percent-encode it (encodeURIComponent; '/' is %2F)"],
    ['redis://default:1234/5678@127.0.0.1:6379', "its user name or password holds '/' as it is: percent-encode it (encodeURIComponent; '/' is %2F)"],
    ['redis://:ab?cd@127.0.0.1:6379', "its user name or password holds '?' as it is: percent-encode it (encodeURIComponent; '?' is %3F)"],
    ['redis://:ab#cd@127.0.0.1:6379', "its user name or password holds '#' as it is: percent-encode it (encodeURIComponent; '#' is %23)"],
    ['redis://:50%off@127.0.0.1:6379', "its user name or password holds '%' as it is: percent-encode it (encodeURIComponent; '%' is %25)"],
    ['redis://:%ff@127.0.0.1:6379', "its user name or password holds '%' as it is: percent-encode it (encodeURIComponent; '%' is %25)"],
    ['redis://127.0.0.1:99999', 'is not a Redis URL (redis://[user:password@]host:port[/db], or rediss:// for TLS)'],
    ['redis://127.0.0.1:6379/cache', 'the path after the host must be a database number (redis://host:6379/0)'],
  ])('refuses %s, which ioredis throws on or misreads', (url, message) => {
    expect(redisUrlProblem(url)).toBe(message);
    const read = ioredisReads(url);
    const misread = typeof read === 'object' && (read['host'] !== '127.0.0.1' || !/^\d*$/.test(String(read['db'] ?? '')));
    expect(typeof read === 'string' || misread, JSON.stringify(read)).toBe(true);
  });
});
