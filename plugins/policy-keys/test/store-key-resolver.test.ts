import { GatewayError, type KeyStore } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { defaultMaxUnknownKeys, hashApiKey, keyCacheTtlMs, storeKeyResolver, type OnStoreError } from '../src/index.js';
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
  return { ...backend, resolver, secrets, resolve, advance: (ms: number) => void (clock += ms) };
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

describe('unknown secrets', () => {
  it("a flood of made-up tokens, more than the keys' cache holds, leaves a real key's lookup cached; unknown ones are remembered apart, and boundedly", async () => {
    const t = await setUp('fail-closed'); // time never moves: only eviction can drop an entry
    expect(await outcome(t.resolve(t.secrets.alice))).toBe('served');
    expect(t.lookups()).toBe(1);
    // 10,001 made-up tokens: one more than the keys' cache holds (10,000 by default).
    const flood = Array.from({ length: 10_001 }, (_, index) => `sy-made-up-${index}-0123456789`);
    for (const token of flood) expect(await outcome(t.resolve(token))).toBe('unknown');
    expect(t.lookups()).toBe(1 + flood.length);
    // The real key is still served from its cached lookup: no store read.
    expect(await outcome(t.resolve(t.secrets.alice))).toBe('served');
    expect(t.lookups()).toBe(1 + flood.length);
    // The most recent unknown token is remembered (a client retrying a wrong key does not reach the store)…
    expect(await outcome(t.resolve(flood.at(-1)!))).toBe('unknown');
    expect(t.lookups()).toBe(1 + flood.length);
    // …but only the last defaultMaxUnknownKeys of them: the first is asked again.
    expect(defaultMaxUnknownKeys).toBeLessThan(flood.length);
    expect(await outcome(t.resolve(flood[0]!))).toBe('unknown');
    expect(t.lookups()).toBe(2 + flood.length);
  });
});

describe('invalidation: a key change notice drops cached lookups at once', () => {
  it('a revocation is refused on the next request, not after the 1 s cache (by key id, every secret of it)', async () => {
    const t = await setUp('fail-closed');
    const resolver = storeKeyResolver(t.keys, { clock: () => 1_000_000 }); // time never moves: only a notice can drop the cache
    const resolve = (secret: string) => Promise.resolve(resolver.resolve({ key: secret, digest: hashApiKey(secret) }));
    expect(await outcome(resolve(t.secrets.alice))).toBe('served');
    const alice = (await t.store.findBySecretHash(hashApiKey(t.secrets.alice), new Date()))!;
    await t.store.revoke(alice.id, new Date());
    expect(await outcome(resolve(t.secrets.alice))).toBe('served'); // cached, no notice yet
    resolver.invalidate({ keyId: 'key_someoneElse' });
    expect(await outcome(resolve(t.secrets.alice))).toBe('served'); // another key's notice leaves it
    resolver.invalidate({ keyId: alice.id });
    expect(await outcome(resolve(t.secrets.alice))).toBe('key_revoked');
  });

  it('`everything` drops every fresh lookup but keeps fail-open stand-ins (a gap in notices is not an outage)', async () => {
    const t = await setUp('fail-open');
    expect(await outcome(t.resolve(t.secrets.alice))).toBe('served');
    const before = t.lookups();
    t.resolver.invalidate({ everything: true });
    t.setDown(true);
    expect(await outcome(t.resolve(t.secrets.alice))).toBe('served'); // from its stand-in
    expect(t.lookups()).toBe(before + 1); // but the store was asked again
  });

  it('a changed key loses its fail-open stand-in too: revoked during an outage, it is not served from the old lookup', async () => {
    const t = await setUp('fail-open');
    expect(await outcome(t.resolve(t.secrets.alice))).toBe('served');
    const alice = (await t.store.findBySecretHash(hashApiKey(t.secrets.alice), new Date()))!;
    t.resolver.invalidate({ keyId: alice.id });
    t.setDown(true);
    expect(await outcome(t.resolve(t.secrets.alice))).toBe('store_unavailable');
  });

  it('a lookup under way when a notice arrives is not cached, and later requests do not join it', async () => {
    const store = new MemoryKeyStore();
    const secret = 'sy-racer-0123456789abcdef';
    const key = await store.create({ name: 'racer' }, { hash: hashApiKey(secret), prefix: secret.slice(0, 7) });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let lookups = 0;
    const keys: KeyStore = Object.assign(Object.create(store) as KeyStore, {
      findBySecretHash: async (hash: string, now: Date) => {
        lookups++;
        const found = await store.findBySecretHash(hash, now); // reads the row before the change…
        if (lookups === 1) await gate; // …and answers after the notice
        return found;
      },
    });
    const resolver = storeKeyResolver(keys, { clock: () => 1_000_000 });
    const resolve = () => outcome(Promise.resolve(resolver.resolve({ key: secret, digest: hashApiKey(secret) })));
    const early = resolve();
    await new Promise((resolve) => setImmediate(resolve));
    await store.revoke(key.id, new Date());
    resolver.invalidate({ keyId: key.id });
    expect(await resolve()).toBe('key_revoked'); // a fresh lookup, not the one under way
    release();
    expect(await early).toBe('served'); // began before the revocation
    expect(await resolve()).toBe('key_revoked'); // and its old answer was not cached
  });
});

describe('a rotated-out secret ends at its grace period, not at its lookup\'s expiry', () => {
  async function rotatedWithGrace(onStoreError: OnStoreError) {
    const t = await setUp(onStoreError);
    // The real time, not a date written down: the store takes the grace period's end against its own clock.
    let now = Date.now();
    const resolver = storeKeyResolver(t.keys, { onStoreError, clock: () => 1_000_000, now: () => new Date(now) }); // the caches' time never moves
    const alice = (await t.store.findBySecretHash(hashApiKey(t.secrets.alice), new Date(now)))!;
    const graceUntil = new Date(now + 60_000);
    await t.store.rotate(alice.id, { hash: hashApiKey('sy-alice-new-0123456789ab'), prefix: 'sy-alic' }, graceUntil);
    const resolve = () => outcome(Promise.resolve(resolver.resolve({ key: t.secrets.alice, digest: hashApiKey(t.secrets.alice) })));
    return { ...t, resolve, graceEnds: () => void (now = graceUntil.getTime()) };
  }

  it('a cached lookup of the old secret is refused from the grace period\'s end on', async () => {
    const t = await rotatedWithGrace('fail-closed');
    expect(await t.resolve()).toBe('served'); // within its grace period, and cached now
    t.graceEnds();
    expect(await t.resolve()).toBe('unknown'); // invalid_api_key, as the store answers once the cache expires
  });

  it('fail-open: a stand-in of the old secret is refused from the grace period\'s end on, during an outage', async () => {
    const t = await rotatedWithGrace('fail-open');
    expect(await t.resolve()).toBe('served');
    t.setDown(true);
    t.resolver.invalidate({ everything: true }); // the fresh lookup gone, the stand-in kept
    t.graceEnds();
    expect(await t.resolve()).toBe('unknown');
  });
});
