import { LRUCache } from 'lru-cache';
import { cacheKeyText, fieldsWithoutEffect, hashCacheKeyText, keyedRequest, type CacheKeyInput } from './cache-key.js';
import { canonicalFingerprint, matchesCanonicalCopy, stringFingerprint } from './canonical-match.js';

export interface RecentCacheKeysOptions {
  /** Most keys remembered. */
  maxEntries: number;
  /** Most characters of key text (what each key is the hash of) remembered, all keys together. */
  maxChars: number;
}

/** How many recent keys are remembered, and how much of what they were made of. */
export const defaultRecentCacheKeys: RecentCacheKeysOptions = { maxEntries: 256, maxChars: 1024 * 1024 };

/** A key made recently, with what it was made of. */
export interface RecentKey {
  endpoint: CacheKeyInput['endpoint'];
  provider: string;
  model: string;
  scope: string;
  /** The keyed request's canonical copy (its own objects: a later change to the request does not reach it). */
  request: unknown;
  key: string;
  fingerprint: number;
  /** Characters of the key's text, what it counts against the bound. */
  size: number;
}

/** A request's cache key; `made` when it was built rather than found among the recent ones. */
export interface CacheKeyLookup {
  key: string;
  /** Pass to `remember` once the key proved worth keeping (it found an entry). */
  made: RecentKey | undefined;
}

/**
 * The cache keys of requests that hit recently, so a request equal to one of them
 * (what a cache hit is) gets its key without building the canonical JSON and
 * hashing it again: a fingerprint finds the candidate, a walk of the request
 * against its canonical copy confirms it. Neither allocates, where the text and the
 * hash cost a few KB. Gives the same key as `cacheKey`; a request not among them
 * (or a fingerprint shared by chance, which the walk turns down) is keyed as
 * `cacheKey` does. A key is remembered only once it found an entry (`remember`):
 * a miss, which most never-repeated requests are, does not keep its canonical copy
 * alive for 256 requests (old-space garbage), and an entry's second request pays
 * the full key once more.
 */
export class RecentCacheKeys {
  private readonly keys: LRUCache<number, RecentKey>;

  constructor(options: RecentCacheKeysOptions = defaultRecentCacheKeys) {
    // Sizes are given at `set`; a request longer than the whole bound is not remembered.
    this.keys = new LRUCache<number, RecentKey>({ max: options.maxEntries, maxSize: options.maxChars });
  }

  keyFor(input: CacheKeyInput): CacheKeyLookup {
    const omitted = fieldsWithoutEffect(input.endpoint);
    const fingerprint = fingerprintOf(input, omitted);
    const recent = this.keys.get(fingerprint);
    if (
      recent &&
      recent.endpoint === input.endpoint &&
      recent.provider === input.deployment.provider &&
      recent.model === input.deployment.model &&
      recent.scope === input.scope &&
      matchesCanonicalCopy(input.request, recent.request, omitted)
    ) {
      return { key: recent.key, made: undefined };
    }
    const request = keyedRequest(input);
    const text = cacheKeyText(input, request);
    const key = hashCacheKeyText(text);
    const { provider, model } = input.deployment;
    return { key, made: { endpoint: input.endpoint, provider, model, scope: input.scope, request, key, fingerprint, size: text.length } };
  }

  /** Keeps a key `keyFor` made, unless its text alone is longer than the whole bound. */
  remember(made: RecentKey): void {
    if (made.size <= this.keys.maxSize) this.keys.set(made.fingerprint, made, { size: made.size });
  }

  /** Keys remembered now. */
  get size(): number {
    return this.keys.size;
  }
}

/** The request's fingerprint, mixed with the deployment and scope its key holds too. */
function fingerprintOf(input: CacheKeyInput, omitted: ReadonlySet<string>): number {
  const request = canonicalFingerprint(input.request, omitted);
  return mix(mix(mix(mix(request, input.endpoint), input.deployment.provider), input.deployment.model), input.scope);
}

function mix(fingerprint: number, text: string): number {
  return Math.imul(fingerprint ^ stringFingerprint(text), 0x01000193);
}
