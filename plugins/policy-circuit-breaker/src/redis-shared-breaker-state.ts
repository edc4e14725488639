import { randomUUID } from 'node:crypto';
import { throttled, type Logger } from '@switchyard/core';
import { FailSoftRedis, redisRefusalCode } from '@switchyard/redis-connection';
import { isSharedName, parseBreakerEvent, type BreakerEvent } from './breaker-event.js';
import type { RedisSharedBreakerOption } from './circuit-breaker-options.js';
import { SharedBreakerMarks, type SharedMarkReading, type SharedMarkState } from './shared-breaker-marks.js';
import { closeMarkScript, openMarkScript, readMarksScript, releaseProbeScript } from './shared-breaker-scripts.js';
import type { ProbeClaim, SharedBreakerState, SharedBreakersHealth } from './shared-breaker-state.js';

export interface RedisSharedBreakerStateOptions {
  redis: RedisSharedBreakerOption;
  /** Only these deployments are written to Redis or taken from it. */
  isKnown: (name: string) => boolean;
  /** At most this many marks are mirrored (the breakers' own bound). */
  maxMarks: number;
  logger: Logger;
  clock?: () => number;
}

type ScriptRunner = (keyCount: number, ...keysAndArgs: Array<string | number>) => Promise<unknown>;

/**
 * Shared breaker state in Redis. An instance whose breaker opens writes an `open`
 * mark (SET … PX open + hold time) and publishes it; every instance keeps a local
 * mirror fed by the channel and re-read every `refresh_interval_ms`, and treats a
 * marked deployment as open until the mark's open time ends, then lets one probe
 * through across the fleet (`SET NX` probe token). A successful probe deletes the
 * mark and publishes `close`; a failed one writes a fresh mark.
 *
 * Redis down or slow never holds a request: reads come from the mirror, writes
 * do not wait, the probe claim is bounded by the command timeout, and errors are
 * logged at most once a minute. Without Redis the marks run out and every breaker
 * works per process.
 *
 * The event subscriber PINGs every `ping_interval_ms`: an unanswered PING drops it
 * and it reconnects, resubscribes and re-reads every mark as after any lost
 * connection. Until then it is deaf: marks still arrive by the refresh, but a
 * remote `close` does not close this instance's own breaker (it probes for itself
 * after its reset timeout).
 */
export class RedisSharedBreakerState implements SharedBreakerState {
  readonly marks: SharedBreakerMarks;
  private readonly commands: FailSoftRedis;
  private readonly subscriber: FailSoftRedis;
  private readonly prefix: string;
  private readonly channel: string;
  /** Tells this instance's probe tokens apart from the others'. */
  private readonly instanceId = randomUUID();
  private readonly warn: (error: Error) => void;
  private readonly closeListeners: Array<(deployment: string) => void> = [];
  private readonly refreshTimer: NodeJS.Timeout;
  private refreshing = false;
  /** Whether the last refresh answered: a Redis that accepts connections but stays silent is not reachable. */
  private lastRefreshAnswered = true;
  private closed = false;

  constructor(private readonly options: RedisSharedBreakerStateOptions) {
    const { redis, logger } = options;
    this.prefix = redis.key_prefix;
    this.channel = `${redis.key_prefix}events`;
    this.marks = new SharedBreakerMarks(options.isKnown, options.maxMarks, options.clock);
    this.warn = throttled(60_000, (error: Error) => {
      const refusal = redisRefusalCode(error);
      logger.warn(
        { err: { message: error.message } },
        refusal === undefined
          ? 'circuit-breaker: shared state in Redis is unreachable; breakers work per process'
          : `circuit-breaker: Redis is refusing commands (${refusal}) for the shared state; breakers work per process`,
      );
    });
    const connection = (name: string, heartbeatMs?: number) =>
      new FailSoftRedis({
        url: redis.url,
        connectionName: name,
        connectTimeoutMs: redis.connect_timeout_ms,
        commandTimeoutMs: redis.command_timeout_ms,
        ...(heartbeatMs !== undefined && { heartbeatMs }),
        onError: this.warn,
      });
    this.commands = connection('switchyard-breaker');
    // The subscriber sends no commands, so only its PING can tell a silent Redis from a quiet channel.
    this.subscriber = connection('switchyard-breaker-events', redis.ping_interval_ms);
    this.subscriber.client.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.apply(parseBreakerEvent(message));
    });
    // Subscribing again on every (re)connect, then re-reading: events sent while
    // disconnected were missed.
    this.subscriber.client.on('ready', () => {
      this.subscriber.client.subscribe(this.channel).then(() => this.refresh(), (error: Error) => this.warn(error));
    });
    this.commands.client.on('ready', () => void this.refresh());
    this.refreshTimer = setInterval(() => void this.refresh(), redis.refresh_interval_ms);
    this.refreshTimer.unref();
  }

  stateOf(deployment: string): SharedMarkState | undefined {
    return this.marks.stateOf(deployment);
  }

  async claimProbe(deployment: string, ttlMs: number): Promise<ProbeClaim> {
    // A Redis whose last refresh went unanswered would only make the request wait out the command timeout.
    if (!this.commands.reachable || !this.lastRefreshAnswered || !isSharedName(deployment)) return 'unavailable';
    try {
      const reply = await this.commands.client.set(this.key('probe', deployment), this.instanceId, 'PX', Math.max(1, ttlMs), 'NX');
      return reply === 'OK' ? 'claimed' : 'taken';
    } catch (error) {
      this.warn(error as Error);
      return 'unavailable';
    }
  }

  releaseProbe(deployment: string): void {
    this.run(releaseProbeScript, [this.key('probe', deployment)], [this.instanceId]);
  }

  markOpen(deployment: string, openMs: number): void {
    if (!this.options.isKnown(deployment) || !isSharedName(deployment)) return;
    const holdMs = openMs;
    this.marks.open({ deployment, openMs, holdMs });
    const event: BreakerEvent = { event: 'open', deployment, open_ms: openMs, hold_ms: holdMs };
    this.run(openMarkScript, this.markKeys(deployment), [deployment, openMs, holdMs, this.channel, JSON.stringify(event)]);
  }

  markClosed(deployment: string): void {
    if (!isSharedName(deployment)) return;
    this.marks.close(deployment);
    const event: BreakerEvent = { event: 'close', deployment };
    this.run(closeMarkScript, this.markKeys(deployment), [deployment, this.channel, JSON.stringify(event)]);
  }

  onRemoteClose(listener: (deployment: string) => void): void {
    this.closeListeners.push(listener);
  }

  health(): SharedBreakersHealth {
    const open: SharedBreakersHealth['open'] = {};
    for (const { deployment, state, openMsLeft } of this.marks.entries()) open[deployment] = { state, open_ms_left: openMsLeft };
    const reachable = this.commands.reachable && this.subscriber.reachable && this.lastRefreshAnswered;
    const refusing = this.commands.refusing ?? this.subscriber.refusing;
    return { backend: 'redis', reachable, ...(refusing !== undefined && { refusing }), open };
  }

  /**
   * Re-reads every mark from Redis into the mirror; skipped while one is out or the connection is
   * down. Not skipped while Redis refuses (OOM …): this read is what sees it do work again, and
   * nothing else is sent to a refusing Redis (`commands.reachable` gates the writes and probes).
   */
  async refresh(): Promise<void> {
    if (this.refreshing || this.closed || this.commands.client.status !== 'ready') return;
    this.refreshing = true;
    const startedAt = this.marks.beginRefresh();
    try {
      const reply = (await this.script(readMarksScript)(1, this.key('open-index'), this.prefix, this.options.maxMarks)) as unknown[];
      const readings: SharedMarkReading[] = [];
      for (let index = 0; index + 2 < reply.length; index += 3) {
        const [deployment, ttl, hold] = [reply[index], Number(reply[index + 1]), Number(reply[index + 2])];
        if (isSharedName(deployment)) readings.push({ deployment, openMs: ttl - hold, holdMs: hold });
      }
      this.marks.replace(startedAt, readings);
      this.lastRefreshAnswered = true;
    } catch (error) {
      this.lastRefreshAnswered = false;
      this.warn(error as Error);
    } finally {
      this.refreshing = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.refreshTimer);
    await Promise.all([this.commands.close(), this.subscriber.close()]);
  }

  private apply(event: BreakerEvent | undefined): void {
    if (!event || !this.options.isKnown(event.deployment)) return;
    if (event.event === 'open') {
      this.marks.open({ deployment: event.deployment, openMs: event.open_ms, holdMs: event.hold_ms });
      return;
    }
    this.marks.close(event.deployment);
    for (const listener of this.closeListeners) listener(event.deployment);
  }

  /** Runs a script without waiting for it: failures are logged (throttled), never thrown. */
  private run(lua: string, keys: string[], args: Array<string | number>): void {
    if (this.closed || !this.commands.reachable) return;
    this.script(lua)(keys.length, ...keys, ...args).catch((error: Error) => this.warn(error));
  }

  private script(lua: string): ScriptRunner {
    // EVAL with the script body each time: these are rare writes and a refresh a
    // second, and it needs no SCRIPT LOAD bookkeeping across reconnects.
    return (keyCount, ...keysAndArgs) => this.commands.client.eval(lua, keyCount, ...keysAndArgs);
  }

  private markKeys(deployment: string): string[] {
    return [this.key('open', deployment), this.key('open-index'), this.key('probe', deployment)];
  }

  private key(kind: 'open' | 'probe' | 'open-index', deployment?: string): string {
    return deployment === undefined ? `${this.prefix}${kind}` : `${this.prefix}${kind}:${deployment}`;
  }
}
