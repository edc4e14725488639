import { GatewayError, type KeyStore } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { hashApiKey, keyCacheTtlMs, storeKeyResolver, type OnStoreError } from '../src/index.js';
import { MemoryKeyStore } from './support/memory-key-store.js';

/** A key store that can go down the way the Postgres store does: every call a 503 store_unavailable. */
function breakableStore() {
  const store = new MemoryKeyStore();
  let down = false;
  let lookups = 0;
  const keys: KeyStore = Object.assign(Object.create(store) as KeyStore, {
    findBySecretHash: async (hash: string, now: Date) => {
      lookups++;
      if (down) throw new GatewayError('store_unavailable', 'The gateway cannot reach its database right now; try again shortly.', { retryAfterSeconds: 2 });
      return store.findBySecretHash(hash, now);
    },
  });
  return {
    store,
    keys,
    lookups: () => lookups,
    setDown: (value: boolean) => void (down = value),
  };
}

async function setUp(onStoreError: OnStoreError, staleKeyTtlMs = 60_000) {
  const backend = breakableStore();
  let clock = 1_000_000; // lru-cache reads a start time of 0 as 'no TTL'
  const resolver = storeKeyResolver(backend.keys, { onStoreError, staleKeyTtlMs, clock: () => clock });
  const secrets = { alice: 'sy-alice-0123456789abcdef', revoked: 'sy-revoked-0123456789abcd', unseen: 'sy-unseen-0123456789abcde' };
  for (const [name, secret] of Object.entries(secrets)) {
    const key = await backend.store.create({ name }, { hash: hashApiKey(secret), prefix: secret.slice(0, 7) });
    if (name === 'revoked') await backend.store.revoke(key.id, new Date());
  }
  const resolve = (secret: string) => Promise.resolve(resolver.resolve({ key: secret, digest: hashApiKey(secret) }));
  return { ...backend, secrets, resolve, advance: (ms: number) => void (clock += ms) };
}

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    (principal) => (principal ? 'served' : 'unknown'),
    (error: unknown) => (error instanceof GatewayError ? error.code : 'crash'),
  );

describe('virtual key lookups when the key store is down', () => {
  it('fail-closed: a key looked up before the outage answers 503 store_unavailable once its 1 s cache expires', async () => {
    const t = await setUp('fail-closed');
    expect(await outcome(t.resolve(t.secrets.alice))).toBe('served');
    t.setDown(true);
    expect(await outcome(t.resolve(t.secrets.alice))).toBe('served'); // still within the 1 s cache
    t.advance(keyCacheTtlMs + 1);
    const error = await t.resolve(t.secrets.alice).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'store_unavailable', status: 503, retryAfterSeconds: 2 });
  });

  it('fail-open: a key seen within the stale period keeps working, an unseen key gets 503, and a revoked key stays revoked', async () => {
    const t = await setUp('fail-open');
    expect(await outcome(t.resolve(t.secrets.alice))).toBe('served');
    expect(await outcome(t.resolve(t.secrets.revoked))).toBe('key_revoked');
    t.setDown(true);
    t.advance(keyCacheTtlMs + 1);
    expect(await outcome(t.resolve(t.secrets.alice))).toBe('served');
    expect(await outcome(t.resolve(t.secrets.unseen))).toBe('store_unavailable');
    expect(await outcome(t.resolve('sy-never-existed-0123456789'))).toBe('store_unavailable');
    expect(await outcome(t.resolve(t.secrets.revoked))).toBe('key_revoked'); // its last lookup said revoked: still 401, not served
  });

  it('fail-open: the last good lookup stands in for stale_key_ttl_ms at most', async () => {
    const t = await setUp('fail-open', 10_000);
    expect(await outcome(t.resolve(t.secrets.alice))).toBe('served');
    t.setDown(true);
    t.advance(9_000);
    expect(await outcome(t.resolve(t.secrets.alice))).toBe('served');
    t.advance(1_001 + keyCacheTtlMs);
    expect(await outcome(t.resolve(t.secrets.alice))).toBe('store_unavailable');
  });

  it('fail-open: a stand-in is reused for a second, so a hanging store delays one request per key per second', async () => {
    const t = await setUp('fail-open');
    await t.resolve(t.secrets.alice);
    t.setDown(true);
    t.advance(keyCacheTtlMs + 1);
    const before = t.lookups();
    for (let i = 0; i < 5; i++) expect(await outcome(t.resolve(t.secrets.alice))).toBe('served');
    expect(t.lookups() - before).toBe(1);
    t.advance(keyCacheTtlMs + 1);
    await t.resolve(t.secrets.alice);
    expect(t.lookups() - before).toBe(2);
  });

  it('concurrent requests with one key share one lookup', async () => {
    const t = await setUp('fail-closed');
    const results = await Promise.all(Array.from({ length: 20 }, () => outcome(t.resolve(t.secrets.alice))));
    expect(results).toEqual(Array(20).fill('served'));
    expect(t.lookups()).toBe(1);
  });

  it('errors other than store_unavailable are not hidden by a stand-in', async () => {
    const backend = breakableStore();
    let clock = 1_000_000; // lru-cache reads a start time of 0 as 'no TTL'
    let fail = false;
    const keys: KeyStore = Object.assign(Object.create(backend.keys) as KeyStore, {
      findBySecretHash: async (hash: string, now: Date) => {
        if (fail) throw new TypeError('a bug');
        return backend.store.findBySecretHash(hash, now);
      },
    });
    const secret = 'sy-alice-0123456789abcdef';
    await backend.store.create({ name: 'alice' }, { hash: hashApiKey(secret), prefix: 'sy-alic' });
    const resolver = storeKeyResolver(keys, { onStoreError: 'fail-open', clock: () => clock });
    await resolver.resolve({ key: secret, digest: hashApiKey(secret) });
    fail = true;
    clock += keyCacheTtlMs + 1;
    await expect(Promise.resolve(resolver.resolve({ key: secret, digest: hashApiKey(secret) }))).rejects.toThrow('a bug');
  });
});
