import { createHash } from 'node:crypto';
import pg from 'pg';
import { describeStoreError, parseKeyChange, throttled, type KeyChange, type KeyChangeChannel, type KeyChangeListener, type Logger } from '@switchyard/core';
import { assertListeningCheck, checkWhileListening, type ListeningCheck } from './check-while-listening.js';

/**
 * The NOTIFY channel of one schema's key changes. Hashed: a channel name is an
 * identifier of at most 63 bytes, and deployments sharing a database in different
 * schemas must not hear each other.
 */
export function keyChangeChannelName(schema: string): string {
  return `switchyard_keys_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;
}

export interface PostgresKeyChangeChannelOptions {
  /** Opens the dedicated listening connection (never a pooled one: LISTEN belongs to a session). */
  connect: () => pg.Client;
  /** From {@link keyChangeChannelName}. */
  channel: string;
  logger: Logger;
  /** Longest wait between reconnection attempts (default 2000 ms); the first waits 100 ms. */
  maxReconnectDelayMs?: number;
  /** How long close() (or giving up a lost connection) waits for the server to see it off before dropping it (default 2000 ms). */
  closeTimeoutMs?: number;
  /** How often the listening connection proves it is still answered, and how long it may take (default every 5000 ms, 2000 ms). */
  check?: ListeningCheck;
}

/** The listening connection's liveness check unless configured: a silent server is noticed within about 7 s. */
export const listeningCheckDefaults: ListeningCheck = { intervalMs: 5000, timeoutMs: 2000 };

/**
 * Key changes over PostgreSQL LISTEN/NOTIFY. The key store sends `pg_notify` inside
 * the transaction that changes a key, so a notice goes out exactly when the change
 * commits (and never for one rolled back); `publish` therefore has nothing to send.
 *
 * Subscribing opens one dedicated connection per process. When it breaks it is
 * logged (throttled) and reopened with backoff; after a reconnection listeners hear
 * `everything`, since notices sent while it was down are lost. Until then the lookup
 * cache's TTL bounds how stale a key can be.
 *
 * A listening connection sends nothing, so a server gone silent with the socket
 * open would never be noticed (notices would just stop): every `check.intervalMs`
 * it sends `SELECT 1`, and one unanswered for `check.timeoutMs` counts as a lost
 * connection (ended within `closeTimeoutMs`, then reopened as above).
 */
export class PostgresKeyChangeChannel implements KeyChangeChannel {
  readonly name = 'postgres';
  private readonly listeners = new Set<KeyChangeListener>();
  private client: pg.Client | undefined;
  private started = false;
  private listenedBefore = false;
  private closed = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopCheck: (() => void) | undefined;
  private readonly check: ListeningCheck;
  private readonly warn: (error: unknown) => void;

  constructor(private readonly options: PostgresKeyChangeChannelOptions) {
    this.check = options.check ?? listeningCheckDefaults;
    assertListeningCheck(this.check); // before anything connects
    this.warn = throttled(60_000, (error: unknown) =>
      options.logger.warn({ err: describeStoreError(error) }, 'key change notices (postgres LISTEN) interrupted; reconnecting, key lookups fall back to their 1 s cache'),
    );
  }

  publish(): Promise<boolean> {
    return Promise.resolve(true);
  }

  subscribe(listener: KeyChangeListener): () => void {
    this.listeners.add(listener);
    if (!this.started) {
      this.started = true;
      void this.listen();
    }
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.stopCheck?.();
    const client = this.client;
    this.client = undefined;
    if (client) await endWithin(client, this.options.closeTimeoutMs ?? 2000);
  }

  private emit(change: KeyChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = this.options.connect();
    this.client = client;
    let lost = false;
    const onLost = (error: unknown) => {
      if (lost) return;
      lost = true;
      if (this.closed) return;
      this.warn(error);
      if (this.client === client) this.client = undefined;
      this.stopCheck?.();
      // Bounded: a silent server never answers end()'s Terminate, and its socket would stay open for ever.
      void endWithin(client, this.options.closeTimeoutMs ?? 2000);
      const delay = Math.min(100 * 2 ** this.failures++, this.options.maxReconnectDelayMs ?? 2000);
      this.retryTimer = setTimeout(() => void this.listen(), delay);
      this.retryTimer.unref();
    };
    // Without these a dropped connection would be an unhandled 'error' that ends the process.
    client.on('error', onLost);
    client.on('end', () => onLost(new Error('the listening connection ended')));
    client.on('notification', (message) => {
      if (message.channel === this.options.channel) this.emit(parseKeyChange(message.payload));
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.options.channel}"`);
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.failures = 0;
      this.stopCheck = checkWhileListening(client, this.check, onLost);
      // Whatever changed while nobody listened is unknown: every cached lookup goes.
      if (this.listenedBefore) this.emit({ everything: true });
      this.listenedBefore = true;
    } catch (error) {
      onLost(error);
    }
  }
}

/**
 * Ends a connection politely, or drops it once `timeoutMs` passed. pg's end() sends
 * Terminate and waits for the server to close its side: a silent server (a partition,
 * a hung host) never does, and the gateway's close() waited on it for ever.
 */
async function endWithin(client: pg.Client, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const dropped = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      resolve();
    }, timeoutMs);
  });
  try {
    await Promise.race([client.end().catch(() => undefined), dropped]);
  } finally {
    clearTimeout(timer);
  }
}
