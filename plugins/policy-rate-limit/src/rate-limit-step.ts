import { definePlugin, getContext, redisUrlProblems, type GatewayRuntime } from '@switchyard/core';
import type { RequestHandler } from 'express';
import { createPromptTokenCounter } from './count-prompt-tokens.js';
import { MemoryRateLimitStore } from './memory-rate-limit-store.js';
import { rateLimitOptionsSchema, type OnStoreError, type RateLimitOptions } from './rate-limit-options.js';
import type { RateLimitStore } from './rate-limit-store.js';
import { RateLimiter } from './rate-limiter.js';
import { RedisRateLimitStore } from './redis-rate-limit-store.js';

/** Where Redis is when the config names no `url`. */
export const defaultRedisUrl = 'redis://127.0.0.1:6379';

/**
 * The rate-limit step: requests and tokens per minute per key (its scope's
 * `rpm`/`tpm`), team, model and gateway, with GCRA — no bursts at window edges —
 * in process memory or in Redis shared by every gateway instance. Every limited
 * response carries OpenAI's `x-ratelimit-*` headers; a refused request is a 429
 * `rate_limit_exceeded` with `Retry-After`.
 */
export const rateLimit = definePlugin<RateLimitOptions>({
  name: 'rate-limit',
  optionsSchema: rateLimitOptionsSchema,
  checkOptions: (options) => redisUrlProblems(options.store.use === 'redis' ? options.store.url : undefined, '/store/url'),
  create(options, runtime) {
    return createRateLimitHandler(options, runtime);
  },
});

/** What the step is built from besides its options; tests pass a store and a clock. */
export interface RateLimitHandlerOverrides {
  store?: RateLimitStore;
  clock?: () => number;
}

/** Builds the step's middleware; `rateLimit` is this behind `definePlugin`. */
export function createRateLimitHandler(
  options: RateLimitOptions,
  runtime: GatewayRuntime,
  overrides: RateLimitHandlerOverrides = {},
): RequestHandler {
  const store = overrides.store ?? openStore(options, runtime);
  const onStoreError: OnStoreError = options.store.use === 'redis' ? (options.store.on_error ?? 'fail-open') : 'fail-open';
  const limiter = new RateLimiter({
    limits: options.limits,
    models: runtime.config.models,
    store,
    counter: createPromptTokenCounter(options.tokenizer, runtime.logger),
    defaultMaxTokens: options.default_max_tokens,
    providers: runtime.providers,
    onStoreError,
    logger: runtime.logger,
    onRefused: (source, dimension) => runtime.metrics.countRateLimitRefusal(source, dimension),
    ...(overrides.clock && { clock: overrides.clock }),
  });
  runtime.addHealthCheck('rate_limit_store', () => {
    // A live socket is not enough: a store that accepts but never answers is down as well.
    const reachable = store.reachable() && limiter.failingSince === undefined;
    // Failing open, the gateway still serves without its store; failing closed, it refuses everything.
    const refusing = store.refusing?.();
    return { healthy: reachable || onStoreError === 'fail-open', backend: store.backend, reachable, ...(refusing !== undefined && { refusing }) };
  });
  runtime.onClose(() => store.close());

  return (_req, res, next) => {
    const context = getContext(res);
    // Listing models costs nothing upstream and is not counted.
    if (context.endpoint === 'models') {
      next();
      return;
    }
    // Decided at once with the memory store (a refusal throws, and Express passes it on);
    // a promise only when the store or the tokenizer must be waited for.
    const admitted = limiter.admit(context);
    if (admitted) return admitted.then(() => next());
    next();
  };
}

function openStore(options: RateLimitOptions, runtime: GatewayRuntime): RateLimitStore {
  const store = options.store;
  if (store.use === 'memory') return new MemoryRateLimitStore({ ...(store.max_entries !== undefined && { maxEntries: store.max_entries }) });
  return new RedisRateLimitStore({
    // Plugins read no environment: write url: ${REDIS_URL:-…} in the YAML.
    url: store.url ?? defaultRedisUrl,
    keyPrefix: store.key_prefix ?? 'switchyard:ratelimit:',
    ...(store.connect_timeout_ms !== undefined && { connectTimeoutMs: store.connect_timeout_ms }),
    ...(store.command_timeout_ms !== undefined && { commandTimeoutMs: store.command_timeout_ms }),
    logger: runtime.logger,
  });
}
