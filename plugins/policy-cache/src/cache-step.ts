import {
  addUsage,
  definePlugin,
  estimated,
  GeneratedOutput,
  isEstimatedUsage,
  redisUrlProblems,
  getContext,
  matchesModelPattern,
  type CacheLookup,
  type ChatRequest,
  type Deployment,
  type GatewayRuntime,
  type ProviderResult,
  type RequestContext,
  type RoutedCall,
  type StreamPart,
  type Usage,
} from '@switchyard/core';
import { readCacheDirectives, type CacheDirectives } from './cache-directives.js';
import type { CachedResult, CacheEntry } from './cache-entry.js';
import { cacheKey, type CacheKeyInput } from './cache-key.js';
import { cacheOptionsSchema, type CacheOptions } from './cache-options.js';
import { cacheScopeValue } from './cache-scope.js';
import type { CacheStore } from './cache-store.js';
import type { EntryShape } from './entry-shape.js';
import { MemoryCacheStore } from './memory-cache-store.js';
import { recordStream } from './record-stream.js';
import { RecentCacheKeys, type RecentKey } from './recent-cache-keys.js';
import { RedisCacheStore } from './redis-cache-store.js';
import { replayParts } from './replay-parts.js';
import { carriesUntranslatedResponsesFields } from './responses-untranslated-fields.js';
import { responseToStreamParts } from './response-to-stream-parts.js';
import { hasFiniteVectors } from './finite-vectors.js';
import { isStorableFinish } from './storable-finish.js';
import { storedStream } from './stored-stream.js';
import { streamPartsToResponse } from './stream-parts-to-response.js';
import { throttledWarning, type ThrottledWarning } from './throttled-warning.js';

/** The response header that says what the cache did: `HIT`, `MISS` or `BYPASS`. */
export const cacheStatusHeader = 'x-switchyard-cache';

/** What the cache did for one request. */
export type CacheStatus = 'HIT' | 'MISS' | 'BYPASS';

/**
 * The `cache` step: an exact-match response cache in front of the routed call.
 * For chat and embeddings requests it registers a request interceptor that
 * answers from the store when it can (no provider call, no attempt, no budget
 * hold) and stores complete, successful answers otherwise. It must come before
 * `route` in the chain (so a hit skips retries and fallbacks) and reads the
 * routed deployment only when the call runs.
 */
export const cache = definePlugin<CacheOptions>({
  name: 'cache',
  optionsSchema: cacheOptionsSchema,
  checkOptions: (options) => redisUrlProblems(options.store.use === 'redis' ? options.store.url : undefined, '/store/url'),
  create(options, runtime) {
    const warn = throttledWarning(runtime.logger);
    const store = createStore(options, warn);
    runtime.addHealthCheck('cache', () => ({ healthy: true, backend: store.backend, ...store.health() }));
    runtime.onClose(() => store.close());
    registerCacheGauges(runtime, store);
    const cacheCall = cachedCall(options, store, warn, (lookup) => runtime.metrics.countCacheLookup(lookup));
    return (req, res, next) => {
      const context = getContext(res);
      if (context.endpoint === 'chat' || context.endpoint === 'messages' || context.endpoint === 'responses' || context.endpoint === 'embeddings') {
        const directives = readCacheDirectives(req.headers);
        // Neither read nor stored: the fast path sends what the canonical request would drop.
        if (context.endpoint === 'responses' && carriesUntranslatedResponsesFields(req.body)) directives.noCache = directives.noStore = true;
        context.requestInterceptors.push((call, callContext) => () => cacheCall(call, callContext, directives));
      }
      next();
    };
  },
});

/** The memory store's size on `/metrics` (a Redis store's size is Redis's to report: no series, not a 0). */
function registerCacheGauges(runtime: GatewayRuntime, store: CacheStore): void {
  if (store.backend !== 'memory') return;
  const read = (detail: string) =>
    function (this: { set(value: number): void }) {
      const value = store.health()[detail];
      if (typeof value === 'number') this.set(value);
    };
  runtime.metrics.gauge({ name: 'switchyard_cache_bytes', help: 'Bytes held by the memory response cache.', collect: read('bytes') });
  runtime.metrics.gauge({ name: 'switchyard_cache_entries', help: 'Entries held by the memory response cache.', collect: read('entries') });
}

function createStore(options: CacheOptions, warn: ThrottledWarning): CacheStore {
  if (options.store.use === 'redis') {
    return new RedisCacheStore({
      url: options.store.url,
      keyPrefix: options.store.key_prefix,
      compressAboveBytes: options.store.compress_above_bytes,
      connectTimeoutMs: options.store.connect_timeout_ms,
      commandTimeoutMs: options.store.command_timeout_ms,
      maxEntryBytes: options.max_bytes,
      warn,
    });
  }
  return new MemoryCacheStore({ maxEntries: options.max_entries, maxBytes: options.max_bytes });
}

/** What one request may do with the cache, decided once its deployment is known. */
interface CachePlan {
  key: string;
  /** What `key` was made of: its deployment is the first one routed to. */
  input: CacheKeyInput;
  /** The key, when it was made for this request: remembered if it hits. */
  made: RecentKey | undefined;
  read: boolean;
  write: boolean;
  maxAgeMs: number | undefined;
  ttlSeconds: number;
}

function cachedCall(options: CacheOptions, store: CacheStore, warn: ThrottledWarning, count: (lookup: CacheLookup) => void) {
  const keys = new RecentCacheKeys();

  /** The entry as this request's answer, and the request marked a hit; undefined when it cannot answer. */
  const answerWith = (entry: CacheEntry | undefined, plan: CachePlan, context: RequestContext): ProviderResult | undefined => {
    if (!entry || (plan.maxAgeMs !== undefined && Date.now() - entry.storedAt > plan.maxAgeMs)) return undefined;
    // Another deployment's answer (a fallback's, stored under this key by an older version) is not this one's.
    if (!sameDeployment(entry.servedBy, plan.input.deployment)) return undefined;
    const result = resultFor(entry, context);
    if (!result) return undefined;
    if (plan.made) keys.remember(plan.made);
    context.cacheHit = true;
    context.servedBy = entry.servedBy;
    const usage = entry.usage ?? usageOf(entry.result);
    // Added, not put in place: an app's earlier calls on the same request (createSteps) keep theirs.
    if (usage) {
      context.usage = addUsage(context.usage, usage);
      context.cacheHitUsage = addUsage(context.cacheHitUsage, usage);
    }
    // Billed what the call was billed, the gateway's estimate included: its record says so too.
    if (entry.usageEstimated) markEstimated(result, context);
    context.billable = options.bill_hits;
    setStatus(context, 'HIT');
    count('hit');
    context.responseHeaders.set('age', String(Math.max(0, Math.floor((Date.now() - entry.storedAt) / 1000))));
    return result;
  };

  const save = (plan: CachePlan, stored: CachedResult, servedBy: Deployment | undefined): void => {
    if (!servedBy) return;
    // A fallback answered: its answer is that deployment's, kept where a request routed to it first looks.
    const key = sameDeployment(servedBy, plan.input.deployment) ? plan.key : cacheKey({ ...plan.input, deployment: servedBy });
    // No `usage` of its own: the answer holds it (usageOf), and every stored byte counts.
    const entry: CacheEntry = { v: 1, result: stored, servedBy, storedAt: Date.now() };
    if (isEstimatedUsage(answerUsage(stored))) entry.usageEstimated = true;
    // Off the request path: the client does not wait for the store.
    if (store.setNow) {
      try {
        store.setNow(key, entry, plan.ttlSeconds);
      } catch (error) {
        warn(error, 'cache: could not store an entry');
      }
      return;
    }
    store.set(key, entry, plan.ttlSeconds).catch((error: unknown) => warn(error, 'cache: could not store an entry'));
  };

  /** What a miss answers: the routed call's result, stored when it may be. */
  const stored = (result: ProviderResult, plan: CachePlan, context: RequestContext): ProviderResult => {
    switch (result.kind) {
      case 'chat-response':
        if (isStorableFinish(result.response.finishReason)) save(plan, result, context.servedBy);
        return result;
      case 'chat-passthrough':
      case 'chat-passthrough-stream':
        return result; // not taken while this step writes (needsParts above)
      case 'embeddings':
        // An entry answers either encoding: one a float client could not be given is not kept.
        if (hasFiniteVectors(result.response)) save(plan, result, context.servedBy);
        return result;
      case 'chat-stream':
        return {
          kind: 'chat-stream',
          parts: recordStream(result.parts, options.max_bytes, (parts) =>
            save(plan, storedStream(withFinalUsage(parts, context.chatRequest)), context.servedBy),
          ),
        };
    }
  };

  const miss = (call: RoutedCall, plan: CachePlan, context: RequestContext): Promise<ProviderResult> => {
    setStatus(context, 'MISS');
    count('miss');
    // An entry is canonical (it replays in either dialect, streamed or whole, with the same
    // usage on hit and miss): the fast path, which forwards the upstream's own answer, is not taken.
    if (!plan.write) return call();
    context.needsParts = true;
    return call().then((result) => stored(result, plan, context));
  };

  /**
   * Not async: with a store that answers at once (memory) a request waits for no promise
   * of the cache's own, only for the routed call's (a hit: none at all).
   */
  return (call: RoutedCall, context: RequestContext, directives: CacheDirectives): Promise<ProviderResult> => {
    try {
      const plan = planFor(options, keys, context, directives);
      if (!plan) {
        setStatus(context, 'BYPASS');
        count('bypass');
        return call();
      }
      if (!plan.read) return miss(call, plan, context);
      if (store.getNow) {
        const hit = answerWith(readEntryNow(store, plan.key, shapeWanted(context), warn), plan, context);
        return hit ? Promise.resolve(hit) : miss(call, plan, context);
      }
      return readEntry(store, plan.key, shapeWanted(context), warn).then((entry) => answerWith(entry, plan, context) ?? miss(call, plan, context));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/** Undefined when the request is not cacheable at all (`BYPASS`). */
function planFor(options: CacheOptions, keys: RecentCacheKeys, context: RequestContext, directives: CacheDirectives): CachePlan | undefined {
  const read = !directives.noCache;
  const write = !directives.noStore;
  if (!read && !write) return undefined;
  const deployment = context.deployments[0];
  if (!deployment) return undefined;
  // A request only the fast path can send (Anthropic server tools, OpenAI built-in tools): those
  // tools are not in the canonical request, so its key would be that of the same request without
  // them. Neither read nor stored, rather than refused.
  if (context.translationRefusal) return undefined;
  const scope = cacheScopeValue(options.scope, context.principal);
  let input: CacheKeyInput;
  // One key for every chat dialect: the entry is canonical, and replays in whichever dialect asks.
  if ((context.endpoint === 'chat' || context.endpoint === 'messages' || context.endpoint === 'responses') && context.chatRequest) {
    const request = context.chatRequest;
    if (!options.cache_nonzero_temperature && request.temperature !== undefined && request.temperature > 0) return undefined;
    if (!modelListed(options, request.model, deployment)) return undefined;
    input = { endpoint: 'chat', request, deployment, scope };
  } else if (context.endpoint === 'embeddings' && context.embeddingsRequest) {
    const request = context.embeddingsRequest;
    if (!modelListed(options, request.model, deployment)) return undefined;
    input = { endpoint: 'embeddings', request, deployment, scope };
  } else {
    return undefined;
  }
  const lookup = keys.keyFor(input);
  return {
    key: lookup.key,
    input,
    made: lookup.made,
    read,
    write,
    maxAgeMs: directives.maxAgeSeconds === undefined ? undefined : directives.maxAgeSeconds * 1000,
    // A request may shorten the ttl, or lengthen it up to the configured ceiling.
    ttlSeconds: directives.ttlSeconds === undefined ? options.ttl_seconds : Math.min(directives.ttlSeconds, Math.max(options.max_ttl_seconds, options.ttl_seconds)),
  };
}

function sameDeployment(a: Deployment, b: Deployment): boolean {
  return a.provider === b.provider && a.model === b.model;
}

/** A model is cached when the name the client sent, or the `provider/model` it routes to, is listed. */
function modelListed(options: CacheOptions, requested: string, deployment: Deployment): boolean {
  if (!options.models) return true;
  return matchesModelPattern(requested, options.models) || matchesModelPattern(`${deployment.provider}/${deployment.model}`, options.models);
}

function readEntryNow(store: CacheStore, key: string, shape: EntryShape | undefined, warn: ThrottledWarning): CacheEntry | undefined {
  try {
    return store.getNow!(key, shape);
  } catch (error) {
    warn(error, 'cache: could not read the cache; answering without it');
    return undefined;
  }
}

async function readEntry(store: CacheStore, key: string, shape: EntryShape | undefined, warn: ThrottledWarning): Promise<CacheEntry | undefined> {
  try {
    return await store.get(key, shape);
  } catch (error) {
    warn(error, 'cache: could not read the cache; answering without it');
    return undefined;
  }
}

/** How this request serves a chat answer; undefined for embeddings. */
function shapeWanted(context: RequestContext): EntryShape | undefined {
  if (context.endpoint === 'embeddings' || !context.chatRequest) return undefined;
  return context.chatRequest.stream ? 'stream' : 'whole';
}

/** The entry as the answer this request wants: streamed or whole, from either kind of entry. */
function resultFor(entry: CacheEntry, context: RequestContext): ProviderResult | undefined {
  const stored = entry.result;
  if (context.endpoint === 'embeddings') return stored.kind === 'embeddings' ? stored : undefined;
  if (stored.kind === 'embeddings' || !context.chatRequest) return undefined;
  if (context.chatRequest.stream) {
    const parts = stored.kind === 'chat-stream' ? stored.parts : responseToStreamParts(stored.response, stored.deltas);
    return { kind: 'chat-stream', parts: replayParts(parts) };
  }
  return { kind: 'chat-response', response: stored.kind === 'chat-response' ? stored.response : streamPartsToResponse(stored.parts) };
}

/** The usage of the call an entry's answer came from, as a hit reports it. */
function usageOf(result: CachedResult): Usage | undefined {
  switch (result.kind) {
    case 'chat-response':
      return result.response.usage;
    case 'chat-stream':
      return lastUsage(result.parts);
    case 'embeddings':
      return { inputTokens: result.response.usage.inputTokens, outputTokens: 0 };
  }
}

/**
 * A finished stream's parts as an entry keeps them: with the upstream's final usage, or, when
 * it sent none, the estimate the call was billed (the adapter's, from the same parts and
 * request), marked as one. Without it a hit replayed whole was billed 0 tokens.
 */
function withFinalUsage(parts: StreamPart[], request: ChatRequest | undefined): StreamPart[] {
  const output = new GeneratedOutput();
  for (const part of parts) {
    if (part.type === 'usage' && !part.partial) return parts;
    output.add(part);
  }
  const usage = output.usage(request);
  return usage ? [...parts, { type: 'usage', usage: estimated(usage) }] : parts;
}

/** The usage object an answer holds, as the gateway made it (marked when it is the gateway's estimate). */
function answerUsage(result: CachedResult): object | undefined {
  return result.kind === 'chat-stream' ? lastUsage(result.parts) : result.response.usage;
}

/**
 * Marks a hit's usage as the gateway's estimate: a whole answer's usage object, which the
 * adapter reads the mark from, and the request itself, for a replayed stream.
 */
function markEstimated(result: ProviderResult, context: RequestContext): void {
  if (result.kind === 'chat-response' || result.kind === 'embeddings') estimated(result.response.usage);
  context.usageEstimated = true;
}

function lastUsage(parts: readonly StreamPart[]): Usage | undefined {
  for (let index = parts.length - 1; index >= 0; index--) {
    const part = parts[index]!;
    if (part.type === 'usage') return part.usage;
  }
  return undefined;
}

function setStatus(context: RequestContext, status: CacheStatus): void {
  context.responseHeaders.set(cacheStatusHeader, status);
}
