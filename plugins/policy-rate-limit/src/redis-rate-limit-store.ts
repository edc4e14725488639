import { throttled, type Logger } from '@switchyard/core';
import { FailSoftRedis, RedisRefusal } from '@switchyard/redis-connection';
import type { Redis } from 'ioredis';
import type { GcraDecision, GcraLimit, GcraState } from './gcra.js';
import { gcraLuaScript } from './gcra-lua-script.js';
import type { RateLimitStore } from './rate-limit-store.js';

export interface RedisRateLimitStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. */
  url: string;
  /** Put before every key, so several gateways (or tests) can share one Redis. */
  keyPrefix: string;
  /** How long connecting may take before the attempt counts as failed (default 1000). */
  connectTimeoutMs?: number;
  /** How long one script call may take before it counts as failed (default 500). */
  commandTimeoutMs?: number;
  logger?: Logger;
}

interface GcraCommands {
  switchyardGcra(keyCount: number, ...keysAndArgs: Array<string | number>): Promise<Array<string | number>>;
}

/**
 * TATs in Redis, shared by every gateway instance: one Lua script checks and
 * charges all of a call's limits atomically (see gcra-lua-script.ts), on the Redis
 * server's clock. It never queues commands while disconnected and never sends a
 * command twice, so an unreachable Redis costs a request milliseconds, not a hang,
 * and a silent one a single request one command timeout (see FailSoftRedis); the
 * step then applies its `on_error` policy.
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly backend = 'redis';
  readonly client: Redis;
  private readonly redis: FailSoftRedis;
  private readonly keyPrefix: string;

  constructor(options: RedisRateLimitStoreOptions) {
    this.keyPrefix = options.keyPrefix;
    const warn = throttled(60_000, (error: Error) =>
      options.logger?.warn(
        { err: { message: error.message } },
        error instanceof RedisRefusal ? `rate-limit store: Redis is refusing commands (${error.code})` : 'rate-limit store: Redis is unreachable',
      ),
    );
    this.redis = new FailSoftRedis({
      url: options.url,
      connectionName: 'switchyard-rate-limit',
      ...(options.connectTimeoutMs !== undefined && { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.commandTimeoutMs !== undefined && { commandTimeoutMs: options.commandTimeoutMs }),
      onError: warn,
    });
    this.client = this.redis.client;
    this.client.defineCommand('switchyardGcra', { lua: gcraLuaScript });
  }

  async consume(limits: readonly GcraLimit[], now?: number): Promise<GcraDecision> {
    const reply = await this.run('consume', limits, now);
    const states: GcraState[] = limits.map((_limit, index) => ({
      tat: Number(reply[2 + index * 2]),
      retryAfterMs: Number(reply[3 + index * 2]),
    }));
    return { allowed: Number(reply[0]) === 1, now: Number(reply[1]), states };
  }

  async adjust(limits: readonly GcraLimit[], now?: number): Promise<void> {
    if (limits.length > 0) await this.run('adjust', limits, now);
  }

  reachable(): boolean {
    return this.redis.reachable;
  }

  refusing(): string | undefined {
    return this.redis.refusing;
  }

  close(): Promise<void> {
    return this.redis.close();
  }

  private async run(mode: 'consume' | 'adjust', limits: readonly GcraLimit[], now: number | undefined) {
    await this.redis.whenFirstConnected();
    const keys = limits.map((limit) => this.keyPrefix + limit.key);
    const args: Array<string | number> = [mode, now === undefined ? '' : String(now)];
    for (const limit of limits) args.push(String(limit.intervalMs), String(limit.toleranceMs), String(limit.cost));
    return (this.client as unknown as GcraCommands).switchyardGcra(keys.length, ...keys, ...args);
  }

}
