import dns from 'node:dns';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStorage } from './postgres-target.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * The database's host name on a resolver that never answers. Node resolves a name with
 * getaddrinfo on libuv's four threads (zlib, crypto and files use them too), and no timeout
 * ends one: a connection given up after connect_timeout_ms left its lookup running, and every
 * new connection the pool tried asked again. Under load those lookups took every thread.
 */
describe('postgres: a host name whose DNS lookup never answers', () => {
  it('costs one lookup at a time, however many connections are tried; each call fails 503 store_unavailable naming the lookup', async () => {
    // A resolver that never answers: what a hung DNS server gives getaddrinfo, for as long as it retries.
    const lookup = vi.spyOn(dns, 'lookup').mockImplementation((() => undefined) as unknown as typeof dns.lookup);
    const storage = await openStorage('postgres://app@db.hung-resolver.test:5432/switchyard', `dns_${process.pid}`, { pool_size: 4, connect_timeout_ms: 200 });
    try {
      for (let round = 0; round < 3; round++) {
        const calls = Array.from({ length: 8 }, () => storage.budgets.spent('key:dns', '2029-12-01T00:00:00.000Z').then(() => undefined, (error: unknown) => error));
        for (const outcome of await Promise.all(calls)) {
          expect(outcome).toMatchObject({ code: 'store_unavailable' });
          expect(String((outcome as { cause?: unknown }).cause)).toMatch(/DNS lookup of db\.hung-resolver\.test gave no answer within 100 ms/);
        }
      }
      // Twelve connections were tried (four a round); the name was asked once, the lookup still running.
      expect(lookup).toHaveBeenCalledTimes(1);
    } finally {
      await storage.budgets.close();
    }
  });
});
