import { Redis } from 'ioredis';
import type { CacheEntry } from './cache-entry.js';
import type { CacheStore } from './cache-store.js';
import { decodeCacheValue, encodeCacheValue } from './encode-cache-value.js';
import type { ThrottledWarning } from './throttled-warning.js';

export interface RedisCacheStoreOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  url: string;
  /** Put before every key, so several gateways (or tests) can share one Redis. */
  keyPrefix: string;
  /** Values longer than this (serialized, in bytes) are stored brotli-compressed. */
  compressAboveBytes: number;
  /** Entries larger than this (serialized, in bytes) are not stored. */
  maxEntryBytes: number;
  /** How long connecting may take (default 1000 ms). */
  connectTimeoutMs?: number;
  /** How long one GET or SET may take before it counts as failed (default 500 ms). */
  commandTimeoutMs?: number;
  /** Where connection errors go (throttled by the caller). */
  warn: ThrottledWarning;
}

/**
 * Entries in Redis, shared by every gateway instance: `SET key value EX ttl`, the
 * value a marker byte and JSON (brotli above a size). It never queues commands
 * while disconnected and retries a command at most once, so an unreachable Redis
 * costs a request milliseconds, not a hang — the step then treats it as a miss.
 */
export class RedisCacheStore implements CacheStore {
  readonly backend = 'redis';
  readonly client: Redis;
  private readonly options: RedisCacheStoreOptions;
  private readonly connectTimeoutMs: number;
  private firstConnection: Promise<void> | undefined;
  private everReady = false;
  private closed = false;

  constructor(options: RedisCacheStoreOptions) {
    this.options = options;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    this.client = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: this.connectTimeoutMs,
      commandTimeout: options.commandTimeoutMs ?? 500,
      // Reconnect in the background, at most every 2 s, while requests go on without the cache.
      retryStrategy: (times) => Math.min(times * 100, 2000),
      connectionName: 'switchyard-cache',
    });
    // Without a listener ioredis reports every failed attempt as an unhandled 'error'.
    this.client.on('error', (error: Error) => options.warn(error, 'cache: Redis is unreachable; requests go on without the cache'));
    this.client.on('ready', () => {
      this.everReady = true;
    });
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    await this.whenFirstConnected();
    const value = await this.client.getBuffer(this.options.keyPrefix + key);
    return value ? decodeCacheValue(value) : undefined;
  }

  async set(key: string, entry: CacheEntry, ttlSeconds: number): Promise<void> {
    const value = await encodeCacheValue(entry, this.options.compressAboveBytes);
    if (value.length > this.options.maxEntryBytes) return;
    await this.whenFirstConnected();
    await this.client.set(this.options.keyPrefix + key, value, 'EX', Math.max(1, Math.round(ttlSeconds)));
  }

  health() {
    return { reachable: this.client.status === 'ready', status: this.client.status };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }

  /**
   * Right after start the connection is still being made: the first requests wait
   * for it (until ready, failed, or `connectTimeoutMs`) instead of missing at once.
   * Once that first attempt is over, nothing waits again.
   */
  private whenFirstConnected(): Promise<void> {
    if (this.everReady || this.closed) return Promise.resolve();
    this.firstConnection ??= new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.client.off('ready', done).off('error', done).off('end', done);
        resolve();
      };
      const timer = setTimeout(done, this.connectTimeoutMs);
      timer.unref();
      this.client.once('ready', done).once('error', done).once('end', done);
    });
    return this.firstConnection;
  }
}
