import { parseKeyChange, throttled, type KeyChange, type KeyChangeChannel, type KeyChangeListener, type Logger } from '@switchyard/core';
import { FailSoftRedis } from '@switchyard/redis-connection';

export interface RedisKeyChangeChannelOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://`. */
  url: string;
  /** The pub/sub channel; gateways sharing a key store must share it. */
  channel: string;
  logger: Logger;
  /** How long a publish may take before it counts as failed (default 500 ms). */
  commandTimeoutMs?: number;
  /** How often the subscriber connection PINGs Redis to prove it is still heard (default 5000 ms). */
  pingIntervalMs?: number;
  /** How long that PING (or any subscriber command) may go unanswered before the connection is dropped (default 1000 ms). */
  pingTimeoutMs?: number;
}

/** The subscriber's liveness check unless configured: a silent Redis is noticed within about 6 s. */
export const subscriberPingDefaults = { intervalMs: 5000, timeoutMs: 1000 } as const;

/**
 * Key changes over Redis pub/sub: one connection publishes, a second (a subscriber
 * connection can do nothing else) listens, opened on the first subscribe. Both are
 * fail-soft: nothing queues while Redis is away and reconnecting goes on in the
 * background. A failed publish resolves `false` and is logged (throttled); after the
 * subscriber reconnects, listeners hear `everything` (notices sent meanwhile are
 * lost). Either way the lookup cache's TTL is the bound that remains.
 *
 * A subscriber sends no commands, so no command timeout would ever notice a Redis
 * gone silent with the socket open (a partition, a hung host): it would just hear
 * nothing, for as long as TCP takes to give up. So it PINGs every `pingIntervalMs`;
 * an unanswered PING drops the connection, which then goes as any lost one does:
 * reconnect, resubscribe, `everything`.
 */
export class RedisKeyChangeChannel implements KeyChangeChannel {
  readonly name = 'redis';
  private readonly publisher: FailSoftRedis;
  private subscriber: FailSoftRedis | undefined;
  private readonly listeners = new Set<KeyChangeListener>();
  private readonly warn: (error: Error) => void;

  constructor(private readonly options: RedisKeyChangeChannelOptions) {
    // The message only: an ioredis error never carries the URL's password, and nothing else is logged.
    this.warn = throttled(60_000, (error: Error) =>
      options.logger.warn({ err: { message: error.message } }, 'key change notices (redis pub/sub) interrupted; key lookups fall back to their 1 s cache'),
    );
    this.publisher = new FailSoftRedis({
      url: options.url,
      connectionName: 'switchyard-key-changes',
      ...(options.commandTimeoutMs !== undefined && { commandTimeoutMs: options.commandTimeoutMs }),
      onError: this.warn,
    });
  }

  async publish(keyId: string): Promise<boolean> {
    try {
      await this.publisher.whenFirstConnected();
      await this.publisher.client.publish(this.options.channel, keyId);
      return true;
    } catch (error) {
      this.warn(error as Error);
      return false;
    }
  }

  subscribe(listener: KeyChangeListener): () => void {
    this.listeners.add(listener);
    this.subscriber ??= this.openSubscriber();
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await Promise.all([this.publisher.close(), this.subscriber?.close()]);
  }

  private emit(change: KeyChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private openSubscriber(): FailSoftRedis {
    const subscriber = new FailSoftRedis({
      url: this.options.url,
      connectionName: 'switchyard-key-changes-sub',
      heartbeatMs: this.options.pingIntervalMs ?? subscriberPingDefaults.intervalMs,
      commandTimeoutMs: this.options.pingTimeoutMs ?? subscriberPingDefaults.timeoutMs,
      onError: this.warn,
    });
    let readyBefore = false;
    subscriber.client.on('ready', () => {
      // ioredis would resubscribe by itself; subscribing here too makes it explicit and is harmless.
      subscriber.client.subscribe(this.options.channel).then(
        () => {
          if (readyBefore) this.emit({ everything: true });
          readyBefore = true;
        },
        (error: Error) => this.warn(error),
      );
    });
    subscriber.client.on('message', (channel: string, message: string) => {
      if (channel === this.options.channel) this.emit(parseKeyChange(message));
    });
    return subscriber;
  }
}
