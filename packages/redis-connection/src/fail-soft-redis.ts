import { createRequire } from 'node:module';
import type { Command, Redis } from 'ioredis';
import { boundedLookupConnector } from './bounded-lookup-connector.js';
import { assertHeartbeatInterval, pingWhileReady } from './ping-while-ready.js';

// ioredis (~1.5 MB of heap) is loaded by the first connection, not by every gateway
// that merely has a Redis-capable plugin in its chain.
const require = createRequire(import.meta.url);
let ioredis: typeof import('ioredis') | undefined;
const loadIoredis = () => (ioredis ??= require('ioredis') as typeof import('ioredis'));

/** The least time between two reconnects for a READONLY answer: the longest reconnect backoff. */
const replicaReconnectMs = 2000;

/**
 * The error codes of a Redis that answers but will not do what it is asked, whatever the command:
 * out of memory (OOM), a replica (READONLY), loading its dataset (LOADING), unable to persist
 * (MISCONF), stuck in a script (BUSY), a replica cut off from its primary (MASTERDOWN), too few
 * replicas (NOREPLICAS), a cluster down (CLUSTERDOWN, TRYAGAIN), a lost login (NOAUTH, WRONGPASS, NOPERM),
 * a Redis in cluster mode, which the gateway's stores do not speak (CROSSSLOT: a script over keys of
 * several slots; MOVED, ASK: a key another node serves).
 */
const refusalCodes = new Set(['OOM', 'READONLY', 'LOADING', 'MISCONF', 'BUSY', 'MASTERDOWN', 'NOREPLICAS', 'CLUSTERDOWN', 'TRYAGAIN', 'NOAUTH', 'WRONGPASS', 'NOPERM', 'CROSSSLOT', 'MOVED', 'ASK']);

/** INFO's line of a Redis reading its dataset (a restart, a full sync of a replica). */
const loadingLine = /(^|\n)loading:1\r?(\n|$)/;

/** Commands that say nothing of whether Redis does the work asked of it: the connection's own (a PING answers during OOM). */
const connectionCommands = new Set(['ping', 'info', 'client', 'select', 'auth', 'hello', 'quit', 'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe']);

/** The refusal's code (`OOM`, `READONLY` …) when `error` is Redis refusing the work (see `refusalCodes`). */
function refusalCode(error: Error): string | undefined {
  if (error.name !== 'ReplyError') return undefined;
  const code = /^[A-Z]+/.exec(error.message)?.[0];
  return code !== undefined && refusalCodes.has(code) ? code : undefined;
}

/** A Redis that answered, refusing the work (its code: `READONLY` …), as `onError` is told of it: not an unreachable one. */
export class RedisRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The code (`OOM`, `READONLY` …) when `error` says Redis answered but refused the work: a
 * RedisRefusal given to `onError`, or a command's own refusal reply. Undefined for any other
 * failure (no connection, a timeout, a wrong command): for a log line to say which it was.
 */
export function redisRefusalCode(error: unknown): string | undefined {
  if (error instanceof RedisRefusal) return error.code;
  return error instanceof Error ? refusalCode(error) : undefined;
}

export interface FailSoftRedisOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. */
  url: string;
  /** Shown in `CLIENT LIST`, to tell the gateway's connections apart. */
  connectionName: string;
  /** How long connecting may take before the attempt counts as failed (default 1000). */
  connectTimeoutMs?: number;
  /** How long one command may take before it counts as failed (default 500). */
  commandTimeoutMs?: number;
  /**
   * Sends PING this often while connected, for a connection that otherwise sends
   * nothing (a pub/sub subscriber): an unanswered PING times out like any command
   * and drops the connection, so a peer gone silent is noticed. Off by default.
   */
  heartbeatMs?: number;
  /** Every connection error, and a refusal that reopens the connection (a RedisRefusal: READONLY); callers throttle what they log. */
  onError(error: Error): void;
}

/**
 * A Redis connection that never makes a request wait long: commands are not
 * queued while disconnected, none is sent twice, and reconnecting goes
 * on in the background (at most every 2 s). Right after start the first commands
 * wait for the first connection attempt (until ready, failed or the connect
 * timeout) instead of failing at once; after that nothing waits again.
 *
 * A command that times out drops its connection (see `dropOnTimeout`), so a Redis
 * that is connected but silent (a network partition, a hung server) costs one
 * command timeout, not one per command for as long as the silence lasts.
 */
export class FailSoftRedis {
  readonly client: Redis;
  private readonly connectTimeoutMs: number;
  private firstConnection: Promise<void> | undefined;
  private everReady = false;
  private closed = false;
  private stopHeartbeat: (() => void) | undefined;
  private leftReplicaAt = -Infinity;
  private refusedWith: string | undefined;

  constructor(options: FailSoftRedisOptions) {
    if (options.heartbeatMs !== undefined) assertHeartbeatInterval(options.heartbeatMs); // before a connection opens
    this.connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    const commandTimeoutMs = options.commandTimeoutMs ?? 500;
    const { Redis: RedisClient, AbstractConnector } = loadIoredis();
    this.client = new RedisClient(options.url, {
      // The host name is resolved one bounded lookup at a time (see bounded-lookup-connector.ts).
      Connector: boundedLookupConnector(AbstractConnector, this.connectTimeoutMs),
      enableOfflineQueue: false,
      // A command in flight when its connection drops fails at once and is never
      // sent again: after a timeout, a replay on the next connection would run a
      // command whose caller has moved on (charge a rate limit twice, write a stale
      // breaker mark), and its promise, rejected already, would make dropOnTimeout
      // drop that connection too.
      maxRetriesPerRequest: 0,
      connectTimeout: this.connectTimeoutMs,
      commandTimeout: commandTimeoutMs,
      retryStrategy: (times) => Math.min(times * 100, 2000),
      reconnectOnError: (error) => this.leavesReplica(error, options.onError),
      connectionName: options.connectionName,
    });
    // Without a listener ioredis reports every failed attempt as an unhandled 'error'.
    // A connection error (refused, reset, a timeout's drop) says Redis went away: no longer a refusal, but
    // unreachable. READONLY's own reconnect is no error here, so a refusal outlives it until work succeeds.
    this.client.on('error', (error: Error) => {
      this.refusedWith = undefined;
      options.onError(error);
    });
    this.client.on('ready', () => {
      this.everReady = true;
      // The ready check passed: the dataset is read (a connection that sends no work, a subscriber, learns it only here).
      if (this.refusedWith === 'LOADING') this.refusedWith = undefined;
    });
    this.dropOnTimeout(commandTimeoutMs);
    if (options.heartbeatMs !== undefined) this.stopHeartbeat = pingWhileReady(this.client, options.heartbeatMs);
  }

  /**
   * Connected, and the last command that did work was not refused. A Redis out of memory,
   * demoted to a replica, loading, unable to persist or stuck in a script keeps its
   * connections up and answers every command with an error: reachable, by the socket, while
   * nothing the gateway asks is done.
   */
  get reachable(): boolean {
    return this.client.status === 'ready' && this.refusedWith === undefined;
  }

  /** The code of Redis's refusal (`OOM`, `READONLY`, `LOADING` …) since the last command it did, for `/health`. */
  get refusing(): string | undefined {
    return this.refusedWith;
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

  /**
   * A socket that stays open while Redis is silent keeps ioredis 'ready', and every
   * command would wait its full timeout until TCP gives up (~15 min). So the first
   * command to time out destroys the socket it went out on: the commands after it
   * fail at once, as while disconnected, `reachable` turns false, and ioredis
   * reconnects in the background. A reconnect to a still-silent Redis ends the same
   * way at its first handshake command (CLIENT SETNAME, the ready check's INFO),
   * during which commands fail at once too. Every command, the stores' and
   * ioredis's own, goes through `sendCommand`, so this is the one place to watch.
   * `destroy()`, not `disconnect()`: ending a socket politely waits for a peer that
   * is not answering. (ioredis's `socketTimeout` option does much the same, but in
   * 5.11 its timer outlives its socket and can cut the next, healthy one:
   * redis/ioredis#2147.)
   */
  private dropOnTimeout(commandTimeoutMs: number): void {
    const client = this.client;
    const sendCommand = client.sendCommand.bind(client);
    client.sendCommand = (command: Command, stream?: Parameters<Redis['sendCommand']>[1]) => {
      const socket = client.stream; // the connection this command goes out on
      const reply = sendCommand(command, stream) as Promise<unknown>;
      const work = !connectionCommands.has(command.name);
      reply.then(
        (answer) => {
          if (work) this.refusedWith = undefined;
          // ioredis's ready check: a Redis still reading its dataset (a restart) keeps the connection
          // from being ready, polling INFO, and no command can be sent meanwhile: loading, not unreachable.
          else if (command.name === 'info' && typeof answer === 'string' && loadingLine.test(answer)) this.refusedWith = 'LOADING';
        },
        (error: Error) => {
          const refusal = refusalCode(error);
          if (refusal !== undefined) this.refusedWith = refusal;
          // Only the connection the command was written to, and only once: later
          // timeouts on it, or replies due on a newer connection, change nothing.
          if (error.message !== 'Command timed out' || !socket || socket !== client.stream || socket.destroyed) return;
          socket.destroy(new Error(`Redis did not answer within ${commandTimeoutMs} ms; reconnecting`));
        },
      );
      return reply;
    };
  }

  /**
   * A failover demotes the primary to a replica without closing its connections: every write
   * on them is answered READONLY for as long as the process runs (a rate limiter under
   * `fail-closed` refused every request until a restart), though the address now names the new
   * primary. Such an answer reopens the connection (the command is not sent again), at most
   * once per `replicaReconnectMs`: while the address still names the replica, writes are not
   * each a new connection.
   */
  private leavesReplica(error: Error, onError: (error: Error) => void): boolean {
    if (!error.message.startsWith('READONLY')) return false;
    const now = Date.now();
    if (now - this.leftReplicaAt < replicaReconnectMs) return false;
    this.leftReplicaAt = now;
    onError(new RedisRefusal('READONLY', 'Redis answered a write READONLY (a replica now: a failover?); reconnecting'));
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopHeartbeat?.();
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }
}
