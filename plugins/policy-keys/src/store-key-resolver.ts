import { assertKeyUsable } from './assert-key-usable.js';
import { GatewayError, isGatewayError, type KeyChange, type KeyStore, type Principal, type VirtualKey } from '@switchyard/core';
import { LRUCache } from 'lru-cache';
import type { KeyResolver } from './key-resolver.js';

/** How long a key lookup is reused: a revocation bites within this on the same instance. */
export const keyCacheTtlMs = 1000;

/** Most secrets the store did not know that are remembered (for `keyCacheTtlMs` each), by default. */
export const defaultMaxUnknownKeys = 1000;

/** What the auth step does when the key store cannot be reached. */
export type OnStoreError = 'fail-closed' | 'fail-open';

export interface StoreKeyResolverOptions {
  /**
   * `fail-closed` (default): every virtual key answers 503 `store_unavailable`
   * while the store is down. `fail-open`: a key found within `staleKeyTtlMs`
   * keeps working from its last good lookup; unknown keys still get 503.
   */
  onStoreError?: OnStoreError;
  /** How long a last good lookup may stand in during an outage (fail-open only). */
  staleKeyTtlMs?: number;
  /** Most keys remembered, fresh and stale each. */
  maxKeys?: number;
  /**
   * Most secrets the store did not know remembered, apart from the keys: a flood of
   * made-up tokens then evicts only other made-up tokens, never a real key's lookup.
   */
  maxUnknownKeys?: number;
  now?: () => Date;
  /** A monotonic clock in ms for the caches' lifetimes (tests); `performance.now()` by default. */
  clock?: () => number;
}

interface Lookup {
  key: VirtualKey | undefined;
}

/** Every unknown secret's lookup: one object, so a made-up token allocates no entry of its own. */
const unknownLookup: Lookup = { key: undefined };

/** A key resolver whose cached lookups can be dropped when a key changes. */
export interface StoreKeyResolver extends KeyResolver {
  /**
   * Forgets what is cached for a changed key (every secret digest that resolved to it,
   * fresh and fail-open stand-ins alike), or every fresh lookup after `everything`; lookups
   * under way when it arrives are not cached, and the next request asks the store.
   */
  invalidate(change: KeyChange): void;
}

/**
 * Resolves virtual keys from the key store, by the digest of the presented secret.
 * Lookups are cached for at most a second, so the database is not on every
 * request's path and a revocation still takes effect within a second. Concurrent
 * requests with the same key share one lookup. When the store fails, the answer is
 * its 503 — or, failing open, the key's last good lookup (revocation, disabling and
 * expiry as they were then; the key's expiry and the secret's grace period checked
 * against now); that stand-in is reused for a second, so a store that hangs delays at
 * most one request per key per second.
 */
export function storeKeyResolver(keys: KeyStore, options: StoreKeyResolverOptions = {}): StoreKeyResolver {
  const now = options.now ?? (() => new Date());
  const max = options.maxKeys ?? 10_000;
  // With a given clock, no debouncing of now(): a test's time moves only when it says so.
  const perf = options.clock ? { perf: { now: options.clock }, ttlResolution: 0 } : undefined;
  // Both caches are built by the first answer from the store: lru-cache preallocates its
  // arrays (~370 KB at 10,000 with a TTL), and a gateway whose keys all sit in its config
  // never asks the store.
  let cache: LRUCache<string, Lookup> | undefined;
  const filledCache = () => (cache ??= new LRUCache<string, Lookup>({ max, ttl: keyCacheTtlMs, ...perf }));
  // Secrets the store did not know, kept apart (and smaller): anyone can send any number of
  // them, and in the keys' cache they pushed real keys out, sending each back to the store.
  let unknown: LRUCache<string, Lookup> | undefined;
  const filledUnknown = () => (unknown ??= new LRUCache<string, Lookup>({ max: options.maxUnknownKeys ?? defaultMaxUnknownKeys, ttl: keyCacheTtlMs, ...perf }));
  const failOpen = options.onStoreError === 'fail-open';
  // Digests only; entries expire, so a key revoked during a long outage stops working after the stale period.
  let lastGood: LRUCache<string, Lookup> | undefined;
  const filledLastGood = () => (lastGood ??= new LRUCache<string, Lookup>({ max, ttl: options.staleKeyTtlMs ?? 300_000, ...perf }));
  const inFlight = new Map<string, Promise<Lookup>>();
  // Bumped by every invalidation: a lookup that started before one may have read the old row.
  let generation = 0;

  const lookUp = async (digest: string): Promise<Lookup> => {
    const startedAt = generation;
    try {
      const key = await keys.findBySecretHash(digest, now());
      const entry = key ? { key } : unknownLookup;
      if (startedAt !== generation) return entry;
      if (!key) {
        filledUnknown().set(digest, entry);
        lastGood?.delete(digest);
        return entry;
      }
      filledCache().set(digest, entry);
      if (failOpen) filledLastGood().set(digest, entry);
      else lastGood?.delete(digest);
      return entry;
    } catch (error) {
      const stale = lastGood?.get(digest);
      if (!stale || !isGatewayError(error) || error.code !== 'store_unavailable') throw error;
      filledCache().set(digest, stale);
      return stale;
    }
  };

  const forget = (store: LRUCache<string, Lookup> | undefined, keyId: string) => {
    if (!store) return;
    // A linear pass: changes are rare next to lookups, and an id → digests index would need its own upkeep.
    const digests: string[] = [];
    for (const [digest, entry] of store.entries()) if (entry.key?.id === keyId) digests.push(digest);
    for (const digest of digests) store.delete(digest);
  };

  return {
    invalidate(change) {
      generation++;
      inFlight.clear();
      if ('everything' in change) {
        // Fail-open stand-ins stay: a gap in notices says nothing about the store being reachable.
        cache?.clear();
        unknown?.clear();
        return;
      }
      forget(cache, change.keyId);
      forget(lastGood, change.keyId);
    },
    async resolve({ digest }) {
      let entry = cache?.get(digest) ?? unknown?.get(digest);
      if (!entry) {
        let pending = inFlight.get(digest);
        if (!pending) {
          const started: Promise<Lookup> = lookUp(digest).finally(() => {
            // An invalidation may have replaced it meanwhile.
            if (inFlight.get(digest) === started) inFlight.delete(digest);
          });
          pending = started;
          inFlight.set(digest, pending);
        }
        entry = await pending;
      }
      const at = now();
      return entry.key && !secretEnded(entry.key, digest, at) ? principalOf(entry.key, at) : undefined;
    },
  };
}

/**
 * Whether the presented secret's rotation grace period ended after it was looked up:
 * a cached lookup (and a fail-open stand-in, for up to `staleKeyTtlMs`) would otherwise
 * serve it past its end. Unknown to the store from then on, it is unknown here too.
 */
function secretEnded(key: VirtualKey, digest: string, at: Date): boolean {
  for (const secret of key.secrets) {
    if (secret.hash === digest) return secret.expiresAt !== undefined && Date.parse(secret.expiresAt) <= at.getTime();
  }
  return false;
}

/** The principal of a key that may be used now, or the 401 that says why not. */
function principalOf(key: VirtualKey, at: Date): Principal {
  assertKeyUsable(key, at);
  return {
    kind: 'virtual',
    keyId: key.id,
    name: key.name,
    ...(key.team !== undefined && { team: key.team }),
    ...(key.project !== undefined && { project: key.project }),
    ...(key.user !== undefined && { user: key.user }),
    ...(key.scope.models !== undefined && { allowedModels: key.scope.models }),
    scope: key.scope,
  };
}
