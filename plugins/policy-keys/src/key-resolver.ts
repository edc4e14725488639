import type { Principal } from '@switchyard/core';
import { hashApiKey, keyMatcher } from './hash-api-key.js';

/** A presented key and its SHA-256 digest (hex), computed once per request. */
export interface PresentedKey {
  key: string;
  digest: string;
}

/**
 * Finds who holds a key. The auth step asks each resolver in turn; virtual keys
 * from a key store are one more resolver, looked up by digest.
 */
export interface KeyResolver {
  resolve(presented: PresentedKey): Principal | undefined | Promise<Principal | undefined>;
}

export function masterKeyResolver(masterKey: string): KeyResolver {
  const principal: Principal = { kind: 'master', keyId: 'master', name: 'master key' };
  const isMasterKey = keyMatcher(masterKey);
  return { resolve: ({ digest }) => (isMasterKey(digest) ? principal : undefined) };
}

/** A key listed in the config, with who it belongs to. */
export interface StaticKey {
  name: string;
  key: string;
  team?: string;
  project?: string;
  user?: string;
}

export function staticKeyResolver(keys: StaticKey[]): KeyResolver {
  const byHash = new Map<string, Principal>();
  for (const entry of keys) {
    byHash.set(hashApiKey(entry.key), {
      kind: 'static',
      keyId: `static:${entry.name}`,
      name: entry.name,
      ...(entry.team !== undefined && { team: entry.team }),
      ...(entry.project !== undefined && { project: entry.project }),
      ...(entry.user !== undefined && { user: entry.user }),
    });
  }
  return { resolve: ({ digest }) => byHash.get(digest) };
}
