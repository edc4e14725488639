import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';

// ioredis (~1.5 MB of heap) is loaded by the first connection, not by every gateway
// that merely has a Redis-capable plugin in its chain.
const require = createRequire(import.meta.url);
let redisClass: typeof Redis | undefined;
const loadRedis = () => (redisClass ??= (require('ioredis') as typeof import('ioredis')).Redis);

export interface FailSoftRedisOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. */
  url: string;
  /** Shown in `CLIENT LIST`, to tell the gateway's connections apart. */
  connectionName: string;
  /** How long connecting may take before the attempt counts as failed (default 1000). */
  connectTimeoutMs?: number;
  /** How long one command may take before it counts as failed (default 500). */
  commandTimeoutMs?: number;
  /** Every connection error; callers throttle what they log. */
  onError(error: Error): void;
}

/**
 * A Redis connection that never makes a request wait long: commands are not
 * queued while disconnected, each is retried at most once, and reconnecting goes
 * on in the background (at most every 2 s). Right after start the first commands
 * wait for the first connection attempt (until ready, failed or the connect
 * timeout) instead of failing at once; after that nothing waits again.
 */
export class FailSoftRedis {
  readonly client: Redis;
  private readonly connectTimeoutMs: number;
  private firstConnection: Promise<void> | undefined;
  private everReady = false;
  private closed = false;

  constructor(options: FailSoftRedisOptions) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    const RedisClient = loadRedis();
    this.client = new RedisClient(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: this.connectTimeoutMs,
      commandTimeout: options.commandTimeoutMs ?? 500,
      retryStrategy: (times) => Math.min(times * 100, 2000),
      connectionName: options.connectionName,
    });
    // Without a listener ioredis reports every failed attempt as an unhandled 'error'.
    this.client.on('error', (error: Error) => options.onError(error));
    this.client.on('ready', () => {
      this.everReady = true;
    });
  }

  get reachable(): boolean {
    return this.client.status === 'ready';
  }

  /** Resolves once the first connection attempt is over (at once after that). */
  whenFirstConnected(): Promise<void> {
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }
}
