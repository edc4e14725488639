import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** Where the tests find Redis; CI sets REDIS_URL or runs one with the default. */
export const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

export type RedisTarget = { available: true; url: string } | { available: false; reason: string };

/**
 * Decides whether the Redis tests run. On a laptop without Redis they are skipped
 * and the reason is printed; in CI (`CI` set) an unreachable Redis is an error that
 * fails the run, so nothing that needs Redis can go untested silently.
 */
export async function findRedis(): Promise<RedisTarget> {
  const client = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 3000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // The refusal itself arrives as an 'error' event; connect() only says the connection closed.
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await client.connect();
    await client.ping();
    return { available: true, url: redisUrl };
  } catch (error) {
    const where = new URL(redisUrl);
    const reason = `Redis unreachable at ${where.hostname}:${where.port || 6379} (${(lastError ?? (error as Error)).message}); set REDIS_URL to run these tests`;
    if (inCi()) throw new Error(`CI is set, so Redis is required: ${reason}`);
    console.warn(`[redis] skipping tests: ${reason}`);
    return { available: false, reason };
  } finally {
    client.disconnect();
  }
}

/** CI systems set CI=true; CI=false or CI=0 means a laptop. */
function inCi(): boolean {
  const value = process.env.CI;
  return value !== undefined && value !== '' && !/^(0|false)$/i.test(value);
}

/** A key prefix no other run uses, so tests can share one Redis. */
export function freshRedisPrefix(): string {
  return `switchyard-test:${randomBytes(6).toString('hex')}:`;
}
