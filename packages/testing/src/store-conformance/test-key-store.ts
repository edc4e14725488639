import { INVALID_KEY_CURSOR, KEY_REVOKED, MAX_LIVE_SECRETS_PER_KEY, type KeySecret, type KeyStore, type VirtualKey, type VirtualKeyFields } from '@switchyard/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newSecret, sleep, unique } from './helpers.js';

/**
 * The suite every KeyStore implementation passes. `open` is called before each test
 * and must return a store (its `migrate()` is called by the suite); the store is
 * closed after the test. A fresh database per test is best, but the suite keeps its
 * data apart (random teams, tags and hashes), so a shared one works too.
 *
 * The suite makes secrets the way the gateway does and hands the store only their
 * SHA-256 hash and prefix: a store never sees a secret in clear.
 */
export function testKeyStore(name: string, open: () => Promise<KeyStore>): void {
  describe(`KeyStore conformance: ${name}`, () => {
    let store: KeyStore;

    beforeEach(async () => {
      store = await open();
      await store.migrate();
    });

    afterEach(async () => {
      await store.close();
    });

    async function createKey(fields: Partial<VirtualKeyFields> = {}, secretFields: Partial<KeySecret> = {}) {
      const secret = newSecret();
      const key = await store.create(
        { name: fields.name ?? unique('key'), ...fields },
        { hash: secret.hash, prefix: secret.prefix, ...secretFields },
      );
      return { key, secret };
    }

    const storedSecret = ({ hash, prefix }: KeySecret): KeySecret => ({ hash, prefix });

    async function listAll(filter: Parameters<KeyStore['list']>[0]): Promise<VirtualKey[]> {
      const all: VirtualKey[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 100; page++) {
        const result = await store.list({ ...filter, cursor });
        all.push(...result.keys);
        if (!result.nextCursor) return all;
        cursor = result.nextCursor;
      }
      throw new Error('list never stopped returning a nextCursor');
    }

    it('migrate() can run again on a migrated store', async () => {
      await store.migrate();
      await store.migrate();
      const { key } = await createKey();
      expect(await store.get(key.id)).toEqual(key);
    });

    it('create() returns the key with an id, defaults and its one secret', async () => {
      const before = Date.now();
      const { key, secret } = await createKey({ name: 'ci-bot', team: 'platform' });
      expect(key.id).toMatch(/^key_[A-Za-z0-9_-]+$/);
      expect(key.name).toBe('ci-bot');
      expect(key.team).toBe('platform');
      expect(key.project).toBeUndefined();
      expect(key.user).toBeUndefined();
      expect(key.tags).toEqual([]);
      expect(key.scope).toEqual({});
      expect(key.disabled).toBe(false);
      expect(key.revokedAt).toBeUndefined();
      expect(Date.parse(key.createdAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(key.updatedAt).toBe(key.createdAt);
      expect(key.secrets).toEqual([{ hash: secret.hash, prefix: secret.prefix }]);
    });

    it('gives every key its own id', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 20; i++) ids.add((await createKey()).key.id);
      expect(ids.size).toBe(20);
    });

    it('keeps every field through a round trip', async () => {
      const { key } = await createKey({
        name: 'search-backend',
        team: unique('team'),
        project: 'search',
        user: 'ada@example.com',
        tags: ['prod', 'search'],
        disabled: true,
        scope: {
          models: ['openai/*', 'mock/echo'],
          endpoints: ['chat', 'embeddings'],
          maxTokens: 4096,
          budget: { limitUsd: 12.5, period: 'monthly', alertThreshold: 0.8 },
          rpm: 60,
          tpm: 100_000,
          expiresAt: '2031-01-01T00:00:00.000Z',
        },
      });
      expect(await store.get(key.id)).toEqual(key);
      expect(key.tags).toEqual(['prod', 'search']);
      expect(key.scope.budget).toEqual({ limitUsd: 12.5, period: 'monthly', alertThreshold: 0.8 });
      expect(key.disabled).toBe(true);
    });

    it('findBySecretHash() finds a key by the hash of its secret, not by its id', async () => {
      const { key, secret } = await createKey({ team: 'a' });
      await createKey({ team: 'b' });
      expect(await store.findBySecretHash(secret.hash, new Date())).toEqual(key);
      expect(await store.findBySecretHash(key.id, new Date())).toBeUndefined();
      expect(await store.findBySecretHash(newSecret().hash, new Date())).toBeUndefined();
    });

    it('is only ever given the hash and prefix of a secret, never the secret', async () => {
      const { key, secret } = await createKey();
      // The store received { hash, prefix } and nothing else; what it returns carries no more.
      for (const stored of [key, await store.get(key.id), await store.findBySecretHash(secret.hash, new Date())]) {
        expect(JSON.stringify(stored)).not.toContain(secret.secret);
        for (const s of stored!.secrets) expect(Object.keys(s).sort()).toEqual(expect.arrayContaining(['hash', 'prefix']));
      }
      expect(secret.prefix.length).toBeLessThan(secret.secret.length);
    });

    it('refuses a second key with a secret hash already in use', async () => {
      const { secret } = await createKey();
      await expect(store.create({ name: 'dup' }, { hash: secret.hash, prefix: secret.prefix })).rejects.toThrow();
    });

    it('does not find a secret after its own expiresAt', async () => {
      const expiresAt = '2030-06-01T00:00:00.000Z';
      const { key, secret } = await createKey({}, { expiresAt });
      expect(key.secrets[0]?.expiresAt).toBe(expiresAt);
      expect((await store.findBySecretHash(secret.hash, new Date('2030-05-31T23:59:59.000Z')))?.id).toBe(key.id);
      expect(await store.findBySecretHash(secret.hash, new Date('2030-06-01T00:00:01.000Z'))).toBeUndefined();
    });

    it('get() returns a key by id, undefined for an unknown id', async () => {
      const { key } = await createKey();
      expect(await store.get(key.id)).toEqual(key);
      expect(await store.get('key_doesnotexist')).toBeUndefined();
    });

    it('list() pages through every key with a cursor, without repeats', async () => {
      const team = unique('team');
      const created: string[] = [];
      for (let i = 0; i < 5; i++) created.push((await createKey({ team })).key.id);

      const first = await store.list({ team, limit: 2 });
      expect(first.keys).toHaveLength(2);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await store.list({ team, limit: 2, cursor: first.nextCursor });
      expect(second.keys).toHaveLength(2);
      expect(second.nextCursor).toEqual(expect.any(String));
      const third = await store.list({ team, limit: 2, cursor: second.nextCursor });
      expect(third.keys).toHaveLength(1);
      expect(third.nextCursor).toBeUndefined();

      const seen = [...first.keys, ...second.keys, ...third.keys].map((k) => k.id);
      expect(new Set(seen).size).toBe(5);
      expect([...seen].sort()).toEqual([...created].sort());
      expect((await listAll({ team, limit: 100 })).map((k) => k.id).sort()).toEqual([...created].sort());
    });

    it('list() refuses a cursor it did not make with invalidKeyCursor()', async () => {
      await createKey();
      const made = (await store.list({ limit: 1 })).nextCursor;
      for (const cursor of ['garbage', '%ZZ', 'W10', Buffer.from('["x"]').toString('base64url'), `${made ?? ''}!`, 'x'.repeat(5000)]) {
        await expect(store.list({ limit: 2, cursor }), cursor.slice(0, 20)).rejects.toMatchObject({ code: INVALID_KEY_CURSOR });
      }
    });

    it('list() returns whole keys, with their secrets', async () => {
      const team = unique('team');
      const { key } = await createKey({ team, tags: ['x'] });
      expect((await store.list({ team, limit: 10 })).keys).toEqual([key]);
    });

    it('list() filters by team, project and tag, and by all at once', async () => {
      const team = unique('team');
      const otherTeam = unique('team');
      const project = unique('project');
      const tag = unique('tag');
      const a = (await createKey({ team, project, tags: [tag, 'prod'] })).key;
      const b = (await createKey({ team, tags: ['prod'] })).key;
      const c = (await createKey({ team: otherTeam, project, tags: [tag] })).key;

      const ids = async (filter: Omit<Parameters<KeyStore['list']>[0], 'limit'>) =>
        (await listAll({ ...filter, limit: 10 })).map((k) => k.id).sort();

      expect(await ids({ team })).toEqual([a.id, b.id].sort());
      expect(await ids({ project })).toEqual([a.id, c.id].sort());
      expect(await ids({ tag })).toEqual([a.id, c.id].sort());
      expect(await ids({ team, tag })).toEqual([a.id]);
      expect(await ids({ team: otherTeam, project, tag })).toEqual([c.id]);
      expect(await ids({ team, tag: unique('tag') })).toEqual([]);
      // A tag matches whole tags only, never part of one.
      expect(await ids({ team, tag: tag.slice(0, -2) })).toEqual([]);
    });

    it('list() leaves revoked keys out unless includeRevoked', async () => {
      const team = unique('team');
      const live = (await createKey({ team })).key;
      const gone = (await createKey({ team })).key;
      await store.revoke(gone.id, new Date());
      expect((await listAll({ team, limit: 10 })).map((k) => k.id)).toEqual([live.id]);
      const all = await listAll({ team, limit: 10, includeRevoked: true });
      expect(all.map((k) => k.id).sort()).toEqual([live.id, gone.id].sort());
      expect(all.find((k) => k.id === gone.id)?.revokedAt).toEqual(expect.any(String));
    });

    it('update() changes only the fields given, and updatedAt', async () => {
      const { key, secret } = await createKey({ name: 'old', team: 'platform', project: 'p1', tags: ['a'], scope: { rpm: 10 } });
      await sleep(5);
      const updated = await store.update(key.id, { name: 'new', scope: { rpm: 20, models: ['mock/*'] } });
      expect(updated).toBeDefined();
      expect(updated!.name).toBe('new');
      expect(updated!.team).toBe('platform');
      expect(updated!.project).toBe('p1');
      expect(updated!.tags).toEqual(['a']);
      expect(updated!.scope).toEqual({ rpm: 20, models: ['mock/*'] });
      expect(updated!.disabled).toBe(false);
      expect(updated!.createdAt).toBe(key.createdAt);
      expect(Date.parse(updated!.updatedAt)).toBeGreaterThan(Date.parse(key.updatedAt));
      expect(updated!.secrets).toEqual(key.secrets);
      expect(await store.get(key.id)).toEqual(updated);
      expect(await store.findBySecretHash(secret.hash, new Date())).toEqual(updated);

      const disabled = await store.update(key.id, { disabled: true, tags: ['b', 'c'] });
      expect(disabled!.disabled).toBe(true);
      expect(disabled!.tags).toEqual(['b', 'c']);
      expect(disabled!.name).toBe('new');
    });

    it('update() with null takes the key out of its team, project and user (a team disbanded); undefined leaves them', async () => {
      const { key, secret } = await createKey({ name: 'member', team: 'platform', project: 'p1', user: 'ada' });
      const left = await store.update(key.id, { team: null, project: null, user: undefined });
      expect(left).toBeDefined();
      expect(left!.team).toBeUndefined();
      expect(left!.project).toBeUndefined();
      expect(left!.user).toBe('ada');
      expect(await store.get(key.id)).toEqual(left);
      expect(await store.findBySecretHash(secret.hash, new Date())).toEqual(left);
      expect((await store.list({ team: 'platform', limit: 100 })).keys.map((listed) => listed.id)).not.toContain(key.id);
      const alone = await store.update(key.id, { user: null });
      expect(alone!.user).toBeUndefined();
    });

    it('update() with an expected scope writes only while the scope is still that one, else rejects with KEY_UPDATE_CONFLICT', async () => {
      const { key } = await createKey({ scope: { rpm: 10, budget: { limitUsd: 5, period: 'monthly' } } });
      // What a second admin wrote between the first one's read and its write.
      await store.update(key.id, { scope: { ...key.scope, tpm: 1000 } });
      const stale = store.update(key.id, { name: 'stale', scope: { ...key.scope, rpm: 20 } }, { scope: key.scope });
      await expect(stale).rejects.toMatchObject({ code: 'KEY_UPDATE_CONFLICT' });
      expect(await store.get(key.id)).toMatchObject({ name: key.name, scope: { rpm: 10, tpm: 1000 } });

      // The same scope written in another key order is the same scope.
      const current = (await store.get(key.id))!;
      const reordered = Object.fromEntries(Object.entries(current.scope).reverse()) as typeof current.scope;
      const fresh = await store.update(key.id, { scope: { ...current.scope, rpm: 20 } }, { scope: reordered });
      expect(fresh!.scope).toEqual({ rpm: 20, tpm: 1000, budget: { limitUsd: 5, period: 'monthly' } });
      expect(await store.update('key_doesnotexist', { name: 'x' }, { scope: {} })).toBeUndefined();
    });

    it('update() moves a key between teams as filters see it', async () => {
      const from = unique('team');
      const to = unique('team');
      const { key } = await createKey({ team: from });
      await store.update(key.id, { team: to });
      expect((await store.list({ team: from, limit: 10 })).keys).toEqual([]);
      expect((await store.list({ team: to, limit: 10 })).keys.map((k) => k.id)).toEqual([key.id]);
    });

    it('update() refuses a revoked key with KEY_REVOKED, changing nothing', async () => {
      const { key } = await createKey({ name: 'kept', team: 'red', scope: { rpm: 5 } });
      await store.revoke(key.id, new Date());
      const revoked = (await store.get(key.id))!;
      await expect(store.update(key.id, { name: 'renamed', disabled: true })).rejects.toMatchObject({ code: KEY_REVOKED });
      await expect(store.update(key.id, { scope: { rpm: 50 } }, { scope: revoked.scope })).rejects.toMatchObject({ code: KEY_REVOKED });
      // Revoked and changed since the read: revoked is what stops it, not the change.
      await expect(store.update(key.id, { team: null }, { scope: { rpm: 1 } })).rejects.toMatchObject({ code: KEY_REVOKED });
      expect(await store.get(key.id)).toEqual(revoked);
    });

    it('update() returns undefined for an unknown id', async () => {
      expect(await store.update('key_doesnotexist', { name: 'x' })).toBeUndefined();
    });

    it('revoke() sets revokedAt; the key is still found by its secret so the caller can say "revoked"', async () => {
      const { key, secret } = await createKey();
      const at = new Date('2029-03-04T05:06:07.089Z');
      const revoked = await store.revoke(key.id, at);
      expect(revoked?.revokedAt).toBe(at.toISOString());
      expect((await store.get(key.id))?.revokedAt).toBe(at.toISOString());
      const found = await store.findBySecretHash(secret.hash, new Date());
      expect(found?.id).toBe(key.id);
      expect(found?.revokedAt).toBe(at.toISOString());
      expect(await store.revoke('key_doesnotexist', at)).toBeUndefined();
    });

    it('rotate() with a grace period: the old secret works until graceUntil, not after', async () => {
      const { key, secret: old } = await createKey();
      const fresh = newSecret();
      const graceUntil = new Date(Date.now() + 3_600_000);
      const rotated = await store.rotate(key.id, { hash: fresh.hash, prefix: fresh.prefix }, graceUntil);
      expect(rotated?.id).toBe(key.id);
      expect(rotated!.secrets).toHaveLength(2);
      expect(rotated!.secrets).toEqual(
        expect.arrayContaining([
          { hash: old.hash, prefix: old.prefix, expiresAt: graceUntil.toISOString() },
          { hash: fresh.hash, prefix: fresh.prefix },
        ]),
      );

      const during = new Date(graceUntil.getTime() - 1000);
      const after = new Date(graceUntil.getTime() + 1000);
      expect((await store.findBySecretHash(old.hash, during))?.id).toBe(key.id);
      expect((await store.findBySecretHash(fresh.hash, during))?.id).toBe(key.id);
      expect(await store.findBySecretHash(old.hash, after)).toBeUndefined();
      expect((await store.findBySecretHash(fresh.hash, after))?.id).toBe(key.id);
    });

    it('rotate() without a grace period: the old secret stops working at once', async () => {
      const { key, secret: old } = await createKey();
      const fresh = newSecret();
      const rotated = await store.rotate(key.id, { hash: fresh.hash, prefix: fresh.prefix }, undefined);
      expect(rotated?.secrets.some((s) => s.hash === fresh.hash)).toBe(true);
      const now = new Date(Date.now() + 1);
      expect(await store.findBySecretHash(old.hash, now)).toBeUndefined();
      expect((await store.findBySecretHash(fresh.hash, now))?.id).toBe(key.id);
      // Whatever is still listed of the old secret is expired.
      for (const s of rotated!.secrets.filter((s) => s.hash === old.hash)) {
        expect(Date.parse(s.expiresAt!)).toBeLessThanOrEqual(now.getTime());
      }
    });

    it('rotate() forgets the secrets already expired: a key rotated every day keeps two, not one per day', async () => {
      const { key, secret: first } = await createKey();
      const second = newSecret();
      // A grace period already over: the first secret is expired once this rotation is done.
      await store.rotate(key.id, { hash: second.hash, prefix: second.prefix }, new Date(Date.now() - 1000));
      const third = newSecret();
      const graceUntil = new Date(Date.now() + 3_600_000);
      const rotated = await store.rotate(key.id, { hash: third.hash, prefix: third.prefix }, graceUntil);
      expect(rotated!.secrets.map((s) => s.hash).sort()).toEqual([second.hash, third.hash].sort());
      expect((await store.get(key.id))!.secrets.some((s) => s.hash === first.hash)).toBe(false);
    });

    it(`rotate() keeps at most ${MAX_LIVE_SECRETS_PER_KEY} working secrets: past that the oldest stop working at once`, async () => {
      const { key, secret: first } = await createKey();
      const secrets = [first];
      const graceUntil = new Date(Date.now() + 86_400_000);
      for (let rotation = 0; rotation < MAX_LIVE_SECRETS_PER_KEY + 2; rotation++) {
        const fresh = newSecret();
        const rotated = await store.rotate(key.id, { hash: fresh.hash, prefix: fresh.prefix }, graceUntil);
        secrets.push(fresh);
        expect(rotated!.secrets.length).toBeLessThanOrEqual(MAX_LIVE_SECRETS_PER_KEY);
      }
      const kept = secrets.slice(-MAX_LIVE_SECRETS_PER_KEY);
      expect((await store.get(key.id))!.secrets.map((s) => s.hash)).toEqual(kept.map((s) => s.hash));
      const now = new Date();
      for (const gone of secrets.slice(0, -MAX_LIVE_SECRETS_PER_KEY)) expect(await store.findBySecretHash(gone.hash, now)).toBeUndefined();
      for (const live of kept) expect((await store.findBySecretHash(live.hash, now))?.id).toBe(key.id);
    });

    it('rotate() refuses a revoked key with KEY_REVOKED, adding no secret', async () => {
      const { key, secret } = await createKey();
      await store.revoke(key.id, new Date());
      const fresh = newSecret();
      const graceUntil = new Date(Date.now() + 3_600_000);
      await expect(store.rotate(key.id, { hash: fresh.hash, prefix: fresh.prefix }, graceUntil)).rejects.toMatchObject({ code: KEY_REVOKED });
      await expect(store.rotate(key.id, { hash: fresh.hash, prefix: fresh.prefix }, undefined)).rejects.toMatchObject({ code: KEY_REVOKED });
      expect((await store.get(key.id))!.secrets).toEqual([{ hash: secret.hash, prefix: secret.prefix }]);
      expect(await store.findBySecretHash(fresh.hash, new Date())).toBeUndefined();
    });

    it('undoRotation() after a rotation without grace: the old secret works again with its own end, the new one not at all', async () => {
      const oldEnd = new Date(Date.now() + 86_400_000).toISOString();
      const { key, secret: old } = await createKey({}, { expiresAt: oldEnd });
      const before = (await store.get(key.id))!.secrets;
      const fresh = storedSecret(newSecret());
      await store.rotate(key.id, fresh, undefined);
      const undone = await store.undoRotation(key.id, fresh, before);
      expect(undone?.secrets).toEqual([{ hash: old.hash, prefix: old.prefix, expiresAt: oldEnd }]);
      const now = new Date();
      expect((await store.findBySecretHash(old.hash, now))?.id).toBe(key.id);
      expect(await store.findBySecretHash(fresh.hash, now)).toBeUndefined();
      // Done once: a second undo finds nothing to undo.
      expect(await store.undoRotation(key.id, fresh, before)).toBeUndefined();
    });

    it('undoRotation() after a later rotation: only the unseen secret ends, the later rotation stands', async () => {
      const { key } = await createKey();
      const before = (await store.get(key.id))!.secrets;
      const unseen = storedSecret(newSecret());
      const later = storedSecret(newSecret());
      const graceUntil = new Date(Date.now() + 3_600_000);
      await store.rotate(key.id, unseen, undefined);
      await store.rotate(key.id, later, graceUntil);
      const undone = await store.undoRotation(key.id, unseen, before);
      expect(undone?.secrets.map((s) => s.hash)).toEqual([later.hash]);
    });

    it('undoRotation() after another rotation that landed between the read and this one: only the unseen secret ends, the old one stays ended', async () => {
      const { key, secret: old } = await createKey();
      const before = (await store.get(key.id))!.secrets;
      const other = storedSecret(newSecret());
      const unseen = storedSecret(newSecret());
      await store.rotate(key.id, other, undefined);
      await store.rotate(key.id, unseen, new Date(Date.now() + 3_600_000));
      const undone = await store.undoRotation(key.id, unseen, before);
      expect(undone?.secrets.map((s) => s.hash)).toEqual([other.hash]);
      expect(await store.findBySecretHash(old.hash, new Date())).toBeUndefined();
    });

    it('undoRotation() returns undefined for a rotation that did not land', async () => {
      const { key, secret } = await createKey();
      const before = (await store.get(key.id))!.secrets;
      const fresh = newSecret();
      expect(await store.undoRotation(key.id, { hash: fresh.hash, prefix: fresh.prefix }, before)).toBeUndefined();
      expect((await store.get(key.id))!.secrets).toEqual([{ hash: secret.hash, prefix: secret.prefix }]);
      expect(await store.undoRotation('key_doesnotexist', { hash: fresh.hash, prefix: fresh.prefix }, before)).toBeUndefined();
    });

    it('rotate() returns undefined for an unknown id', async () => {
      const fresh = newSecret();
      expect(await store.rotate('key_doesnotexist', { hash: fresh.hash, prefix: fresh.prefix }, undefined)).toBeUndefined();
      expect(await store.findBySecretHash(fresh.hash, new Date())).toBeUndefined();
    });

    it('appendAudit() / listAudit() keep a key\'s entries in order', async () => {
      const { key } = await createKey();
      const other = (await createKey()).key;
      const entries = [
        { keyId: key.id, action: 'create', actor: 'master', at: '2029-01-01T00:00:00.000Z', details: { name: 'k' } },
        { keyId: key.id, action: 'update', actor: 'master', at: '2029-01-01T00:00:01.000Z', details: { fields: ['name', 'scope'], scope: { rpm: 5 } } },
        { keyId: other.id, action: 'create', actor: 'master', at: '2029-01-01T00:00:01.500Z', details: {} },
        // Same instant as the next: order of appending decides.
        { keyId: key.id, action: 'rotate', actor: 'master', at: '2029-01-01T00:00:02.000Z', details: { graceSeconds: 3600 } },
        { keyId: key.id, action: 'revoke', actor: 'ops', at: '2029-01-01T00:00:02.000Z', details: {} },
      ];
      for (const entry of entries) await store.appendAudit(entry);
      expect(await store.listAudit(key.id, { limit: 100 })).toEqual({ entries: entries.filter((e) => e.keyId === key.id) });
      expect(await store.listAudit(other.id, { limit: 100 })).toEqual({ entries: [entries[2]] });
      expect(await store.listAudit('key_doesnotexist', { limit: 100 })).toEqual({ entries: [] });
    });

    it('listAudit() answers a page at a time, in order, with a cursor to the next (a key changed thousands of times is not read at once)', async () => {
      const { key } = await createKey();
      const other = (await createKey()).key;
      const entries = Array.from({ length: 5 }, (_, i) => ({
        keyId: key.id,
        action: 'update',
        actor: 'master',
        // Two at the same instant: the order of appending decides, across a page's end too.
        at: `2029-01-01T00:00:0${Math.min(i, 3)}.000Z`,
        details: { n: i },
      }));
      for (const [i, entry] of entries.entries()) {
        await store.appendAudit(entry);
        if (i === 1) await store.appendAudit({ ...entry, keyId: other.id });
      }
      const first = await store.listAudit(key.id, { limit: 2 });
      expect(first.entries).toEqual(entries.slice(0, 2));
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await store.listAudit(key.id, { limit: 2, cursor: first.nextCursor });
      expect(second.entries).toEqual(entries.slice(2, 4));
      const third = await store.listAudit(key.id, { limit: 2, cursor: second.nextCursor });
      expect(third).toEqual({ entries: entries.slice(4) });
      // A page that ends on the last entry says so: no cursor to an empty page.
      expect(await store.listAudit(key.id, { limit: 5 })).toEqual({ entries });
      expect(await store.listAudit(other.id, { limit: 1 })).toEqual({ entries: [{ ...entries[1], keyId: other.id }] });
    });

    it('listAudit() refuses a cursor it did not make with invalidKeyCursor()', async () => {
      const { key } = await createKey();
      for (let i = 0; i < 2; i++) await store.appendAudit({ keyId: key.id, action: 'update', actor: 'master', at: '2029-01-01T00:00:00.000Z', details: {} });
      const made = (await store.listAudit(key.id, { limit: 1 })).nextCursor;
      expect(made).toEqual(expect.any(String));
      const huge = Buffer.from(`a:${'9'.repeat(30)}`).toString('base64url');
      for (const cursor of ['', 'garbage', '%ZZ', 'W10', Buffer.from('["x"]').toString('base64url'), `${made ?? ''}!`, huge, 'x'.repeat(5000)]) {
        await expect(store.listAudit(key.id, { limit: 2, cursor }), cursor.slice(0, 20)).rejects.toMatchObject({ code: INVALID_KEY_CURSOR });
      }
    });
  });
}
