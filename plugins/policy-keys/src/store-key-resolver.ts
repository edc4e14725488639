import { GatewayError, type KeyStore, type Principal, type VirtualKey } from '@switchyard/core';
import { LRUCache } from 'lru-cache';
import type { KeyResolver } from './key-resolver.js';

/** How long a key lookup is reused: a revocation bites within this on the same instance. */
export const keyCacheTtlMs = 1000;

/**
 * Resolves virtual keys from the key store, by the digest of the presented secret.
 * Lookups are cached for at most a second, so the database is not on every
 * request's path and a revocation still takes effect within a second.
 */
export function storeKeyResolver(keys: KeyStore, now: () => Date = () => new Date()): KeyResolver {
  const cache = new LRUCache<string, { key: VirtualKey | undefined }>({ max: 10_000, ttl: keyCacheTtlMs });
  return {
    async resolve({ digest }) {
      let entry = cache.get(digest);
      if (!entry) {
        entry = { key: await keys.findBySecretHash(digest, now()) };
        cache.set(digest, entry);
      }
      return entry.key ? principalOf(entry.key, now()) : undefined;
    },
  };
}

/** The principal of a key that may be used now, or the 401 that says why not. */
function principalOf(key: VirtualKey, at: Date): Principal {
  if (key.revokedAt) throw new GatewayError('key_revoked', 'This API key has been revoked.');
  if (key.disabled) throw new GatewayError('key_disabled', 'This API key is disabled.');
  if (key.scope.expiresAt && Date.parse(key.scope.expiresAt) <= at.getTime()) {
    throw new GatewayError('key_expired', 'This API key has expired.');
  }
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
