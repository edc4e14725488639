import { lookupTimeoutFor, SecretRedactor, throttled, UpstreamLookup, type Logger } from '@switchyard/core';
import type { Counter } from 'prom-client';
import type { Agent } from 'undici';
import type { BudgetAlertEvent, BudgetAlertType } from './budget-alert-event.js';
import { retryAfterMs } from './retry-after-ms.js';
import { signatureHeader, webhookSignature } from './webhook-signature.js';

// undici's index (fetch, WebSocket, cache stores … ~3 MB of heap) is loaded on the first
// delivery, not at start: most gateways never send a webhook.
let undiciModule: Promise<typeof import('undici')> | undefined;
const loadUndici = () => (undiciModule ??= import('undici'));

/** One configured receiver, after validation. */
export interface WebhookTarget {
  /** The metric label and log name: the configured `name`, else `webhook-<index>`. Never the URL. */
  name: string;
  url: URL;
  secret: string;
  /** Event types it receives; all when undefined. */
  events: readonly BudgetAlertType[] | undefined;
  /** Deadline of one attempt: connect, send, answer and body. */
  timeoutMs: number;
  /** Attempts in all, the first included. */
  maxAttempts: number;
}

/** How deliveries went, counted per webhook in `switchyard_alert_deliveries_total`. */
export type DeliveryResult = 'delivered' | 'retried' | 'failed' | 'dropped';

export interface WebhookDispatcherOptions {
  targets: WebhookTarget[];
  /** Deliveries waiting to be sent (retries waiting for their backoff included); the oldest is dropped past it. */
  maxQueue: number;
  /** Deliveries in flight at once, over every webhook. */
  concurrency: number;
  /** First retry waits about this long; each next one twice as long, with jitter. */
  backoffMs: number;
  /** No backoff (nor a receiver's Retry-After) waits longer than this. */
  maxBackoffMs: number;
  logger: Logger;
  deliveries: Counter<'webhook' | 'result'>;
  /** Sent as user-agent. */
  userAgent: string;
  /** Between 0 and 1; Math.random unless a test pins it. */
  random?: () => number;
}

interface Delivery {
  target: WebhookTarget;
  eventId: string;
  eventType: BudgetAlertType;
  body: string;
  /** Attempts made so far. */
  attempts: number;
  /** Set while it waits for its backoff. */
  timer?: NodeJS.Timeout;
}

/** Why one attempt failed: retried (network, timeout, 429, 5xx) or not (other statuses). */
interface AttemptFailure {
  retryable: boolean;
  status?: number;
  code?: string;
  message: string;
  retryAfterMs?: number;
}

/** The abort reason of attempts cut by close(), told apart from an attempt's own timeout. */
const closingReason = new Error('the gateway is closing');

/** Failed-delivery warnings per webhook: one line per this interval, the rest counted only. */
const failureLogIntervalMs = 10_000;

/** Response bodies are read (so the connection can be reused) up to this much, then the connection is dropped. */
const maxResponseBytes = 64 * 1024;

/**
 * Sends alert events to webhooks off the request path: a bounded in-memory queue
 * (the oldest dropped and counted when full), a few deliveries at a time, retries
 * with exponential backoff and jitter on network errors, timeouts, 429 and 5xx
 * (Retry-After honoured up to the cap), none on other statuses. `enqueue` never
 * throws and never waits; `close` flushes for a bounded time.
 */
export class WebhookDispatcher {
  private readonly waiting: Delivery[] = [];
  private readonly delayed = new Set<Delivery>();
  private readonly inFlight = new Map<Delivery, { controller: AbortController; done: Promise<void> }>();
  /** By attempt timeout: a connection (and its lookup) is bounded by its own webhook's `timeout_ms`. */
  private readonly agents = new Map<number, Agent>();
  /**
   * Receivers' host names, resolved as the stores resolve theirs: Node's lookup has no timeout and a hung
   * resolver held a libuv thread per attempt (zlib, crypto and files share the four). Here one name is
   * resolved at a time, attempts meanwhile share it, and each waits at most half its timeout_ms.
   */
  private readonly lookup = new UpstreamLookup({ maxInFlight: 1 });
  private readonly redactor: SecretRedactor;
  private readonly warnFailure: Map<string, (fields: Record<string, unknown>, message: string) => void>;
  private readonly idleWaiters: Array<() => void> = [];
  private closed = false;
  /** Requests given up while undici still held them (still connecting): a graceful close of the agent would wait for them. */
  private abandoned = 0;

  constructor(private readonly options: WebhookDispatcherOptions) {
    // Secrets and whole URLs (a receiver's URL may carry a token) never reach a log line.
    const secrets = options.targets.flatMap((target) => [target.secret, target.url.href, target.url.password, target.url.search.slice(1)]);
    this.redactor = new SecretRedactor(secrets.filter((secret) => secret.length > 0));
    this.warnFailure = new Map(
      options.targets.map((target) => [target.name, throttled(failureLogIntervalMs, (fields: Record<string, unknown>, message: string) => options.logger.warn(fields, message))]),
    );
  }

  /** Deliveries queued, waiting for a retry or in flight. */
  get pending(): number {
    return this.waiting.length + this.delayed.size + this.inFlight.size;
  }

  /** Queues the event for every webhook that takes its type. */
  enqueue(event: BudgetAlertEvent): void {
    if (this.closed) return;
    const body = JSON.stringify(event);
    for (const target of this.options.targets) {
      if (target.events && !target.events.includes(event.type)) continue;
      this.makeRoom();
      this.waiting.push({ target, eventId: event.id, eventType: event.type, body, attempts: 0 });
    }
    this.pump();
  }

  /**
   * Stops taking events and waits up to `timeoutMs` for what is queued (retries
   * waiting out their backoff included); whatever is left then is aborted and
   * counted as dropped.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    if (this.pending > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    }
    for (const delivery of this.delayed) {
      clearTimeout(delivery.timer);
      this.count(delivery, 'dropped');
    }
    this.delayed.clear();
    for (const delivery of this.waiting.splice(0)) this.count(delivery, 'dropped');
    const stopped = [...this.inFlight.values()];
    for (const { controller } of stopped) controller.abort(closingReason);
    await Promise.all(stopped.map(({ done }) => done));
    const agents = [...this.agents.values()];
    await Promise.all(agents.map((agent) => (this.abandoned > 0 ? agent.destroy() : agent.close().catch(() => agent.destroy()))));
  }

  private makeRoom(): void {
    while (this.waiting.length + this.delayed.size >= this.options.maxQueue) {
      const oldest = this.oldestQueued();
      if (!oldest) return;
      this.count(oldest, 'dropped');
      this.warnFailure.get(oldest.target.name)?.(
        { webhook: oldest.target.name, eventId: oldest.eventId, event: oldest.eventType },
        'alert webhook queue full: dropped the oldest delivery',
      );
    }
  }

  /** Removes and returns the delivery queued longest: one waiting for its backoff started before any still waiting its first turn. */
  private oldestQueued(): Delivery | undefined {
    const delayed = this.delayed.values().next();
    if (!delayed.done) {
      clearTimeout(delayed.value.timer);
      this.delayed.delete(delayed.value);
      return delayed.value;
    }
    return this.waiting.shift();
  }

  private pump(): void {
    while (this.inFlight.size < this.options.concurrency && this.waiting.length > 0) {
      const delivery = this.waiting.shift()!;
      const controller = new AbortController();
      const done = this.attempt(delivery, controller).finally(() => {
        this.inFlight.delete(delivery);
        this.pump();
        this.notifyIdle();
      });
      this.inFlight.set(delivery, { controller, done });
    }
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.pending > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async attempt(delivery: Delivery, controller: AbortController): Promise<void> {
    delivery.attempts++;
    const failure = await this.send(delivery, controller);
    if (!failure) {
      this.count(delivery, 'delivered');
      return;
    }
    if (controller.signal.reason === closingReason) {
      // Cut by close() once its flush time was up: dropped, like the ones still queued.
      this.count(delivery, 'dropped');
      return;
    }
    const target = delivery.target;
    const willRetry = failure.retryable && delivery.attempts < target.maxAttempts;
    this.warnFailure.get(target.name)?.(
      {
        webhook: target.name,
        eventId: delivery.eventId,
        event: delivery.eventType,
        attempt: delivery.attempts,
        ...(failure.status !== undefined && { status: failure.status }),
        ...(failure.code !== undefined && { code: failure.code }),
        error: this.redactor.redact(failure.message).slice(0, 512),
        willRetry,
      },
      'alert webhook delivery failed',
    );
    if (!willRetry) {
      this.count(delivery, 'failed');
      return;
    }
    this.count(delivery, 'retried');
    this.scheduleRetry(delivery, failure.retryAfterMs);
  }

  private scheduleRetry(delivery: Delivery, askedMs: number | undefined): void {
    const exponential = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** (delivery.attempts - 1));
    // Equal jitter: half fixed, half random, so retries of many deliveries spread out but never come at once.
    const backoff = exponential / 2 + (this.options.random ?? Math.random)() * (exponential / 2);
    const waitMs = Math.min(this.options.maxBackoffMs, Math.max(backoff, askedMs ?? 0));
    this.delayed.add(delivery);
    delivery.timer = setTimeout(() => {
      this.delayed.delete(delivery);
      this.waiting.push(delivery);
      this.pump();
    }, waitMs);
    // A retry waiting must not keep the process alive; close() flushes what is due.
    delivery.timer.unref();
  }

  /** One POST; undefined when the receiver answered 2xx. */
  private async send(delivery: Delivery, controller: AbortController): Promise<AttemptFailure | undefined> {
    const target = delivery.target;
    const timestamp = Math.floor(Date.now() / 1000);
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${target.timeoutMs} ms`)), target.timeoutMs);
    try {
      const undici = await loadUndici();
      const sending = undici.request(target.url, {
        method: 'POST',
        dispatcher: this.agentFor(undici, target.timeoutMs),
        signal: controller.signal,
        headersTimeout: target.timeoutMs,
        bodyTimeout: target.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'user-agent': this.options.userAgent,
          'x-switchyard-event': delivery.eventType,
          'x-switchyard-event-id': delivery.eventId,
          [signatureHeader]: webhookSignature(target.secret, timestamp, delivery.body),
        },
        body: delivery.body,
      });
      const response = await this.unlessAborted(sending, controller.signal);
      await response.body.dump({ limit: maxResponseBytes }).catch(() => undefined);
      const status = response.statusCode;
      if (status >= 200 && status < 300) return undefined;
      const retryable = status === 429 || status >= 500;
      return {
        retryable,
        status,
        message: `the receiver answered ${status}`,
        ...(retryable && { retryAfterMs: retryAfterMs(response.headers['retry-after'], this.options.maxBackoffMs) }),
      };
    } catch (error) {
      const timedOut = controller.signal.aborted && controller.signal.reason !== closingReason;
      const code = (error as { code?: unknown }).code;
      return {
        retryable: true,
        ...(typeof code === 'string' && { code }),
        message: timedOut ? `no answer within ${target.timeoutMs} ms` : error instanceof Error ? error.message : String(error),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The agent of webhooks with this attempt timeout: its connections and their lookups are bounded by it. */
  private agentFor(undici: typeof import('undici'), timeoutMs: number): Agent {
    let agent = this.agents.get(timeoutMs);
    if (!agent) {
      const connect = { timeout: timeoutMs, lookup: this.lookup.forConnect(lookupTimeoutFor(timeoutMs)) };
      agent = new undici.Agent({ connections: this.options.concurrency, keepAliveTimeout: 10_000, connect });
      this.agents.set(timeoutMs, agent);
    }
    return agent;
  }

  /**
   * The request's answer, or a rejection as soon as `signal` aborts. undici hears of an abort
   * only once its connection is open: one still connecting (a TLS handshake never answered, a
   * dropped SYN) held the attempt until the agent's connect timeout, and close() with it.
   */
  private async unlessAborted<T>(sending: Promise<T>, signal: AbortSignal): Promise<T> {
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([sending, aborted]);
    } catch (error) {
      if (signal.aborted) {
        // Still undici's until it lets go: then its body (if an answer came after all) is let go too.
        this.abandoned++;
        void sending
          .then((late) => (late as { body?: { destroy(): void } }).body?.destroy(), () => undefined)
          .finally(() => this.abandoned--);
      }
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }

  private count(delivery: Delivery, result: DeliveryResult): void {
    this.options.deliveries.inc({ webhook: delivery.target.name, result });
  }
}
