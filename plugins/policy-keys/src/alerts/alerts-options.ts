import { PluginOptionsError, type JsonSchema, type ValidationProblem } from '@switchyard/core';
import { budgetAlertTypes, type BudgetAlertType } from './budget-alert-event.js';
import type { WebhookTarget } from './webhook-dispatcher.js';

/** One webhook as written in the config. */
export interface WebhookOption {
  /** Names it in metrics and logs (`[a-z0-9_-]`, at most 64); `webhook-<index>` otherwise. */
  name?: string;
  /** `http://` or `https://`; never logged (it may carry a token). */
  url: string;
  /** HMAC-SHA256 key for `x-switchyard-signature`, at least 16 characters; use `${ENV}`. */
  secret: string;
  /** Event types it receives; all when absent. */
  events?: BudgetAlertType[];
  /** Deadline of one attempt (default 5000). */
  timeout_ms: number;
  /** Attempts in all, the first included (default 5). */
  max_attempts: number;
}

/** The `alerts:` option of the key-scope step. */
export interface AlertsOptions {
  webhooks: WebhookOption[];
  /** Deliveries held in memory; past it the oldest is dropped and counted (default 1000). */
  queue_size: number;
  /** Deliveries in flight at once (default 2). */
  concurrency: number;
  /** The first retry waits about this long, doubling each time, with jitter (default 1000). */
  backoff_ms: number;
  /** Longest wait before a retry, a receiver's Retry-After included (default 60000). */
  max_backoff_ms: number;
  /** How long closing the gateway waits for queued deliveries (default 5000). */
  flush_timeout_ms: number;
}

export const alertsOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    webhooks: {
      type: 'array',
      maxItems: 16,
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['url', 'secret'],
        properties: {
          name: { type: 'string', pattern: '^[a-z0-9_-]{1,64}$' },
          url: { type: 'string', maxLength: 2048, pattern: '^[hH][tT][tT][pP][sS]?://[^\\s]+$' },
          secret: { type: 'string', minLength: 16, maxLength: 1024 },
          events: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...budgetAlertTypes] } },
          timeout_ms: { type: 'integer', minimum: 100, maximum: 60_000, default: 5000 },
          max_attempts: { type: 'integer', minimum: 1, maximum: 20, default: 5 },
        },
      },
    },
    queue_size: { type: 'integer', minimum: 1, maximum: 100_000, default: 1000 },
    concurrency: { type: 'integer', minimum: 1, maximum: 32, default: 2 },
    backoff_ms: { type: 'integer', minimum: 1, maximum: 60_000, default: 1000 },
    max_backoff_ms: { type: 'integer', minimum: 1, maximum: 600_000, default: 60_000 },
    flush_timeout_ms: { type: 'integer', minimum: 0, maximum: 60_000, default: 5000 },
  },
};

/**
 * The webhooks with their URLs parsed. The schema let only `http(s)://…` through;
 * a URL that still does not parse, or names are repeated, fails here at start,
 * with the option's path (the URL itself stays out of the message).
 */
export function webhookTargets(options: AlertsOptions): WebhookTarget[] {
  const { targets, problems } = checkWebhooks(options);
  if (problems.length > 0) throw new PluginOptionsError('key-scope', problems);
  return targets;
}

/** The webhooks' problems the schema cannot see (unparsable URLs, repeated names), with pointers from the step's options. */
export function checkWebhooks(options: AlertsOptions): { targets: WebhookTarget[]; problems: ValidationProblem[] } {
  const problems: ValidationProblem[] = [];
  const names = new Set<string>();
  const targets: WebhookTarget[] = [];
  options.webhooks.forEach((webhook, index) => {
    const name = webhook.name ?? `webhook-${index}`;
    if (names.has(name)) problems.push({ path: `/alerts/webhooks/${index}/name`, message: `repeats the name "${name}"` });
    names.add(name);
    let url: URL | undefined;
    try {
      url = new URL(webhook.url);
    } catch {
      problems.push({ path: `/alerts/webhooks/${index}/url`, message: 'is not a valid http or https URL' });
    }
    if (url && url.protocol !== 'http:' && url.protocol !== 'https:') {
      problems.push({ path: `/alerts/webhooks/${index}/url`, message: 'must be an http or https URL' });
    }
    // undici sends no Authorization from them: the events went out without, not a word said.
    if (url && (url.username || url.password)) {
      problems.push({
        path: `/alerts/webhooks/${index}/url`,
        message: 'holds a user name or password (user:password@), which is never sent: a receiver checks the signature made with secret',
      });
    }
    if (url) targets.push({ name, url, secret: webhook.secret, events: webhook.events, timeoutMs: webhook.timeout_ms, maxAttempts: webhook.max_attempts });
  });
  return { targets, problems };
}
