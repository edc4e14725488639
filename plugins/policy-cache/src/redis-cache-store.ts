import { FailSoftRedis, redisRefusalCode } from '@switchyard/redis-connection';
import type { Redis } from 'ioredis';
import { readCacheEntry, type CacheEntry } from './cache-entry.js';
import type { CacheStore } from './cache-store.js';
import type { EntryShape } from './entry-shape.js';
import { cacheValueJson, encodeCacheJson } from './encode-cache-value.js';
import { defaultParsedEntriesBounds, ParsedEntries, type ParsedEntriesBounds } from './parsed-entries.js';
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
  /** The hot entries also kept decoded (see `ParsedEntries`); default as the memory store's. */
  parsed?: ParsedEntriesBounds;
}

/**
 * Entries in Redis, shared by every gateway instance: `SET key value EX ttl`, the
 * value a marker byte and JSON (brotli above a size). It never queues commands
 * while disconnected and never sends a command twice, so an unreachable Redis costs
 * a request milliseconds, not a hang, and a silent one a single request one command
 * timeout (see FailSoftRedis) — the step then treats it as a miss.
 *
 * Every read asks Redis: an entry another instance overwrote, or that expired or was
 * deleted there, is never answered from this process. The entries hit most recently
 * are kept decoded too, with the bytes they came from; when Redis sends the same
 * bytes again, the kept entry is copied instead of decompressed and parsed again.
 */
export class RedisCacheStore implements CacheStore {
  readonly backend = 'redis';
  readonly client: Redis;
  private readonly options: RedisCacheStoreOptions;
  private readonly redis: FailSoftRedis;
  private readonly parsed: ParsedEntries<Buffer>;

  constructor(options: RedisCacheStoreOptions) {
    this.options = options;
    this.redis = new FailSoftRedis({
      url: options.url,
      connectionName: 'switchyard-cache',
      ...(options.connectTimeoutMs !== undefined && { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.commandTimeoutMs !== undefined && { commandTimeoutMs: options.commandTimeoutMs }),
      onError: (error) => {
        const refusal = redisRefusalCode(error);
        options.warn(error, `cache: Redis is ${refusal === undefined ? 'unreachable' : `refusing commands (${refusal})`}; requests go on without the cache`);
      },
    });
    this.client = this.redis.client;
    this.parsed = new ParsedEntries({ ...(options.parsed ?? defaultParsedEntriesBounds), sameSource: (kept, read) => kept.equals(read) });
  }

  async get(key: string, shape?: EntryShape): Promise<CacheEntry | undefined> {
    await this.redis.whenFirstConnected();
    const value = await this.client.getBuffer(this.options.keyPrefix + key);
    if (!value) return undefined;
    const kept = this.parsed.copyOf(key, value, shape);
    if (kept) return kept;
    const json = await cacheValueJson(value, this.options.maxEntryBytes);
    if (json === undefined) return undefined;
    const entry: unknown = JSON.parse(json);
    const read = readCacheEntry(entry);
    if (!read) return undefined;
    // The reply can be a slice of a larger socket read: a copy keeps only its own bytes alive.
    return this.parsed.keep(key, Buffer.from(value), read, json.length, shape);
  }

  async set(key: string, entry: CacheEntry, ttlSeconds: number): Promise<void> {
    // max_bytes bounds the entry's JSON, as the memory store counts it, not what brotli
    // makes of it: a highly repetitive answer of gigabytes compresses to a few KB.
    const json = Buffer.from(JSON.stringify(entry));
    if (json.length > this.options.maxEntryBytes) return;
    const value = await encodeCacheJson(json, this.options.compressAboveBytes);
    await this.redis.whenFirstConnected();
    await this.client.set(this.options.keyPrefix + key, value, 'EX', Math.max(1, Math.round(ttlSeconds)));
  }

  health() {
    const { refusing } = this.redis;
    return { reachable: this.redis.reachable, status: this.client.status, ...(refusing !== undefined && { refusing }) };
  }

  close(): Promise<void> {
    this.parsed.clear();
    return this.redis.close();
  }

}
