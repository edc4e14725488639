import type { GatewayRuntime, KeyChangeChannel } from '@switchyard/core';
import { RedisKeyChangeChannel, subscriberPingDefaults } from './redis-key-change-channel.js';

/** The auth step's `invalidation` option. */
export interface InvalidationOptions {
  /**
   * `storage` (default): the storage's own channel when it has one (PostgreSQL
   * LISTEN/NOTIFY), else none. `postgres`: the same, but an error without it.
   * `redis`: Redis pub/sub at `url`. `none`: lookups expire after their TTL only.
   */
  use: 'storage' | 'postgres' | 'redis' | 'none';
  /** Redis URL (`redis` only); usually `${REDIS_URL}`. */
  url?: string;
  /** Redis pub/sub channel; gateways sharing a key store must share it. */
  channel: string;
  /** How often the Redis subscriber PINGs to notice a Redis gone silent (`redis` only). */
  ping_interval_ms: number;
  /** How long such a PING may go unanswered before the subscriber reconnects (`redis` only). */
  ping_timeout_ms: number;
}

/** JSON Schema of {@link InvalidationOptions} (defaults filled in by the step's validation). */
export const invalidationOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    use: { enum: ['storage', 'postgres', 'redis', 'none'], default: 'storage' },
    url: { type: 'string', minLength: 1, maxLength: 2048 },
    channel: { type: 'string', pattern: '^[A-Za-z0-9_:.-]{1,128}$', default: 'switchyard:key-changes' },
    ping_interval_ms: { type: 'integer', minimum: 1000, maximum: 300_000, default: subscriberPingDefaults.intervalMs },
    ping_timeout_ms: { type: 'integer', minimum: 100, maximum: 30_000, default: subscriberPingDefaults.timeoutMs },
  },
  if: { properties: { use: { const: 'redis' } }, required: ['use'] },
  then: { required: ['url'] },
} as const;

/**
 * The channel key changes arrive on, as the options choose; closed with the gateway
 * when the step opened it (the storage closes its own).
 */
export function openKeyChangeChannel(options: InvalidationOptions, runtime: GatewayRuntime): KeyChangeChannel | undefined {
  const own = runtime.storage?.keyChanges;
  switch (options.use) {
    case 'none':
      return undefined;
    case 'storage':
      return own;
    case 'postgres':
      if (own?.name !== 'postgres') throw new Error('auth: invalidation.use is postgres, but the gateway\'s storage is not PostgreSQL');
      return own;
    case 'redis': {
      const channel = new RedisKeyChangeChannel({
        url: options.url!,
        channel: options.channel,
        logger: runtime.logger,
        pingIntervalMs: options.ping_interval_ms,
        pingTimeoutMs: options.ping_timeout_ms,
      });
      runtime.onClose(() => channel.close());
      return channel;
    }
  }
}
