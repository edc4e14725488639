import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BudgetAccount, StorageSet, UsageRecord } from '@switchyard/core';
import postgres, { isPostgresChangedUnderTheGateway, isPostgresOutage, migrations, type PostgresBudgetStore } from '../src/index.js';
import { tablesIn } from '../src/sql.js';
import { dropSchemas, findPostgres, freshSchemaName, openStorage } from './postgres-target.js';

const target = await findPostgres();
const url = target.available ? target.url : '';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const secretFor = (secret: string, expiresAt?: string) => ({ hash: sha256(secret), prefix: secret.slice(0, 7), ...(expiresAt ? { expiresAt } : {}) });

describe('postgres storage options', () => {
  it('needs a url and fills in the defaults', () => {
    expect(() => postgres({})).toThrow(/url/);
    expect(() => postgres({ url: 'postgres://x/y', schema: 'bad-name; drop' })).toThrow(/schema/);
    expect(postgres.pluginName).toBe('postgres');
    expect(postgres.kind).toBe('storage');
    const properties = postgres.optionsSchema['properties'] as Record<string, { default?: unknown }>;
    expect(properties['schema']?.default).toBe('switchyard');
    expect(properties['pool_size']?.default).toBe(10);
    expect(properties['statement_timeout_ms']?.default).toBe(5000);
  });

  it('bounds every call by default, and refuses timeouts that are not finite, too small or too large', () => {
    const properties = postgres.optionsSchema['properties'] as Record<string, { default?: unknown }>;
    expect(properties['connect_timeout_ms']?.default).toBe(2000);
    expect(properties['query_timeout_ms']?.default).toBe(6000);
    expect(properties['idle_timeout_ms']?.default).toBe(30_000);
    expect(properties['keep_alive_ms']?.default).toBe(10_000);
    expect(properties['retry_after_seconds']?.default).toBe(2);
    const url = 'postgres://x/y';
    for (const bad of [{ connect_timeout_ms: JSON.parse('1e309') }, { connect_timeout_ms: 0 }, { query_timeout_ms: 10 }, { query_timeout_ms: 1e12 }, { retry_after_seconds: 0 }, { keep_alive_ms: -1 }]) {
      expect(() => postgres({ url, ...bad })).toThrow(/timeout|retry_after|keep_alive/);
    }
  });
});

describe('postgres storage url', () => {
  // pg reads it only when the first connection opens: such a url passed `switchyard validate`, and
  // `switchyard start` died with a TypeError stack trace from inside pg-pool.
  it.each(['postgres://u:pw-secret@127.0.0.1:99999/db', 'postgres://u:pw-secret@[::1/db'])(
    'refuses %s as an option problem, without quoting it',
    (url) => {
      const error = (() => {
        try {
          postgres({ url });
        } catch (caught) {
          return caught as Error & { problems?: Array<{ path: string; message: string }> };
        }
        return undefined;
      })();
      expect(error?.name).toBe('PluginOptionsError');
      expect(error?.problems).toEqual([{ path: '/url', message: 'is not a connection string PostgreSQL can read (postgres://user:password@host:5432/database)' }]);
      expect(error?.message).not.toContain('pw-secret');
    },
  );

  // pg reads any scheme as its own, and a bare word as a database on the host "base": a Redis or MySQL URL, or a
  // password pasted where the URL goes (`url: ${DATABASE_PASSWORD}`), passed `validate` and failed at start as an outage.
  it.each(['redis://u:pw-secret@127.0.0.1:6379', 'mysql://u:pw-secret@db/app', 'pw-secret-pasted-alone'])(
    'refuses %s: not a PostgreSQL URL, never quoted',
    (url) => {
      let error: (Error & { problems?: Array<{ path: string; message: string }> }) | undefined;
      try {
        postgres({ url });
      } catch (caught) {
        error = caught as typeof error;
      }
      expect(error?.problems).toEqual([{ path: '/url', message: 'is not a PostgreSQL URL: it starts postgres:// or postgresql:// (postgres://user:password@host:5432/database)' }]);
      expect(error?.message).not.toMatch(/secret/);
    },
  );

  it.each(['postgres://u:pw@db/app', 'POSTGRESQL://u:pw@db:5433/app?sslmode=disable', 'socket:/var/run/postgresql?db=app', '/var/run/postgresql app'])('reads %s as before', (url) => {
    expect(() => postgres({ url })).not.toThrow();
  });

  // A '/' after digits (`app:1234/…@host`) parsed: pg connected to the user name as a host, port 1234.
  it.each([
    ['postgres://app:1234/pw-secret@127.0.0.1:5432/test', '/'],
    ['postgres://app:pw/secret@127.0.0.1:5432/test', '/'],
    ['postgres://app:pw?secret@127.0.0.1:5432/test', '?'],
  ])('refuses %s: its password must be percent-encoded, never quoted', (url, character) => {
    let error: (Error & { problems?: Array<{ path: string; message: string }> }) | undefined;
    try {
      postgres({ url });
    } catch (caught) {
      error = caught as typeof error;
    }
    const encoded = `%${character.charCodeAt(0).toString(16).toUpperCase()}`;
    expect(error?.problems).toEqual([{ path: '/url', message: `its user name or password holds '${character}' as it is: percent-encode it (encodeURIComponent; '${character}' is ${encoded})` }]);
    expect(error?.message).not.toMatch(/secret/);
  });

  // pg reads sslrootcert/sslcert/sslkey files as it parses: a missing one was called a string pg cannot read.
  it('names a TLS file it cannot read as such, with the reason', () => {
    let error: (Error & { problems?: Array<{ path: string; message: string }> }) | undefined;
    try {
      postgres({ url: 'postgres://app:pw-secret@127.0.0.1:5432/test?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem' });
    } catch (caught) {
      error = caught as typeof error;
    }
    expect(error?.problems).toEqual([{ path: '/url', message: 'names an sslcert, sslkey or sslrootcert file that cannot be read (ENOENT): /nonexistent/ca.pem' }]);
  });

  it('takes the forms pg reads: a URL, with or without a password, and a socket folder', () => {
    for (const url of ['postgres://x/y', 'postgresql://u:p@h:5432/d?sslmode=require', '/var/run/postgresql', 'socket:/var/run/postgresql?db=d', 'postgres://u@exa mple.com/db', 'postgres://u:p%2Fq@h/d', 'postgres://u:50%@h/d', 'postgres://u:p@h/d?application_name=a@b']) expect(() => postgres({ url })).not.toThrow();
  });
});

describe('what counts as a database outage (503) and what does not (500)', () => {
  const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  it.each([
    ['refused', coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['reset', coded('ECONNRESET', 'read ECONNRESET')],
    ['connection lost', new Error('Connection terminated unexpectedly')],
    ['no free connection in time', new Error('timeout exceeded when trying to connect')],
    ['opening timed out', new Error('timeout expired')],
    ['query timed out on the client', new Error('Query read timeout')],
    ['server shutting down (57P01)', coded('57P01', 'terminating connection due to administrator command')],
    ['statement timeout (57014)', coded('57014', 'canceling statement due to statement timeout')],
    ['too many connections (53300)', coded('53300', 'sorry, too many clients already')],
    ['connection failure (08006)', coded('08006')],
    // The network, not the statement: the interface or route went down under the gateway, or its ephemeral ports ran out.
    ['network down', coded('ENETDOWN', 'connect ENETDOWN 10.0.0.5:5432')],
    ['host down', coded('EHOSTDOWN', 'connect EHOSTDOWN 10.0.0.5:5432')],
    ['connection reset by the network', coded('ENETRESET', 'read ENETRESET')],
    ['no local address or port left', coded('EADDRNOTAVAIL', 'connect EADDRNOTAVAIL 10.0.0.5:5432 - Local (0.0.0.0:0)')],
    ['the resolver failing for good (EAI_FAIL)', coded('EAI_FAIL', 'getaddrinfo EAI_FAIL db.internal')],
    // Under the server, as SQLite's SQLITE_IOERR and SQLITE_CORRUPT are: the operator's to mend, not the request's fault.
    ['a failing disk (58030 io_error)', coded('58030', 'could not read block 7 in file "base/16384/16385": Input/output error')],
    ['a data page found corrupted (XX001)', coded('XX001', 'invalid page in block 7 of relation base/16384/16385')],
    ['an index found corrupted (XX002)', coded('XX002', 'index "usage_pkey" contains unexpected zero page at block 3')],
  ])('%s: outage', (_name, error) => {
    expect(isPostgresOutage(error)).toBe(true);
  });
  it.each([
    ['unique violation (23505)', coded('23505', 'duplicate key value violates unique constraint')],
    ['syntax error (42601)', coded('42601')],
    ['a bug', new TypeError('cannot read properties of undefined')],
    ['not an error', 'ECONNREFUSED'],
  ])('%s: not an outage', (_name, error) => {
    expect(isPostgresOutage(error)).toBe(false);
  });
  it.each([
    ['a table dropped under the gateway (42P01)', coded('42P01', 'relation "switchyard.keys" does not exist')],
    ['its schema dropped (3F000)', coded('3F000', 'schema "switchyard" does not exist')],
    ['its rights taken away (42501)', coded('42501', 'permission denied for table keys')],
    ['a read-only standby after a failover (25006)', coded('25006', 'cannot execute INSERT in a read-only transaction')],
  ])('%s: the database changed under the gateway (an outage once migrated, the database refusing at start)', (_name, error) => {
    expect(isPostgresChangedUnderTheGateway(error)).toBe(true);
    expect(isPostgresOutage(error)).toBe(false);
  });
});

describe.skipIf(!target.available)('postgres storage', () => {
  const schema = freshSchemaName();
  const schemas = new Set<string>([schema]);
  let store: StorageSet;
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    store = await openStorage(url, schema);
    await store.keys.migrate();
    await store.ledger.migrate();
    await store.budgets.migrate();
  });

  afterAll(async () => {
    await store?.keys.close();
    await store?.ledger.close(); // closing twice is harmless
    await admin?.end();
    await dropSchemas(url, schemas);
  });

  describe('migrations', () => {
    it('records each migration once, and running them again changes nothing', async () => {
      const again = await openStorage(url, schema);
      await again.keys.migrate();
      await again.budgets.migrate();
      await again.keys.close();
      const { rows } = await admin.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
      expect(rows.map((row) => row.version)).toEqual(migrations.map((m) => m.version));
    });

    it('a database from before migration 6: its reservations stay open, and one the sweep then releases can still be settled late', async () => {
      const old = freshSchemaName();
      schemas.add(old);
      const t = tablesIn(old);
      await admin.query(`CREATE SCHEMA ${t.schema}`);
      await admin.query(`CREATE TABLE ${t.migrations} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      for (const migration of migrations.filter((m) => m.version <= 5)) {
        for (const statement of migration.statements(t)) await admin.query(statement);
        await admin.query(`INSERT INTO ${t.migrations} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      }
      const window = '2029-01-01T00:00:00.000Z';
      await admin.query(`INSERT INTO ${t.budgetAccounts} (owner, window_start, limit_micros, spent_micros, reserved_micros) VALUES ('key:k', $1, 1000000, 0, 300000)`, [window]);
      await admin.query(
        `INSERT INTO ${t.budgetReservations} (id, amount_micros, owners, window_starts, holder, expires_at) VALUES
           ('res_live', 200000, '{key:k}', ARRAY[$1], 'gw-1', now() + interval '1 hour'),
           ('res_cut_off', 100000, '{key:k}', ARRAY[$1], 'gw-2', now() - interval '1 second')`,
        [window],
      );
      await admin.query(`INSERT INTO ${t.budgetPayments} VALUES ('res_cut_off', 'pay_1')`);

      const upgraded = await openStorage(url, old);
      const budgets = upgraded.budgets;
      await budgets.migrate();
      expect(await budgets.renewLeases('gw-1', 60_000)).toBe(1);
      expect(await budgets.releaseExpired()).toBe(1);
      expect(await budgets.reserved('key:k', window)).toBeCloseTo(0.2, 9);
      // gw-2 was cut off, not dead: its payments still count (the one it already made, once).
      await budgets.settlePart!('res_cut_off', 0.03, 0, 'pay_1');
      await budgets.settlePart!('res_cut_off', 0.04, 0, 'pay_2');
      await budgets.settle('res_cut_off', 0.01);
      expect(await budgets.spent('key:k', window)).toBeCloseTo(0.05, 9);
      expect(await budgets.reserved('key:k', window)).toBeCloseTo(0.2, 9);
      await budgets.settle('res_live', 0.1);
      expect(await budgets.spent('key:k', window)).toBeCloseTo(0.15, 9);
      expect(await budgets.reserved('key:k', window)).toBe(0);
      await budgets.close();
    });

    it('is safe when several instances start together on an empty database', async () => {
      const shared = freshSchemaName();
      schemas.add(shared);
      const instances = await Promise.all([1, 2, 3, 4].map(() => openStorage(url, shared, { pool_size: 2 })));
      await Promise.all(instances.flatMap((s) => [s.keys.migrate(), s.ledger.migrate(), s.budgets.migrate()]));
      const { rows } = await admin.query(`SELECT version FROM "${shared}".schema_migrations ORDER BY version`);
      expect(rows.map((row) => row.version)).toEqual(migrations.map((m) => m.version));
      const tables = await admin.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [shared]);
      expect(tables.rows.map((row) => row.table_name)).toEqual([
        'budget_accounts',
        'budget_payments',
        'budget_reservations',
        'key_audit',
        'key_secrets',
        'keys',
        'responses',
        'schema_migrations',
        'usage',
      ]);
      const indexes = await admin.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'usage'`, [shared]);
      expect(indexes.rows.map((row) => String(row.indexdef).replace(/^.* USING btree /, ''))).toEqual(
        expect.arrayContaining(['(at)', '(key_id, at)']),
      );
      await Promise.all(instances.map((s) => s.keys.close()));
    });
  });

  describe('keys', () => {
    it('creates a key from a secret digest and finds it by that digest', async () => {
      const key = await store.keys.create(
        { name: 'search backend', team: 'platform', project: 'search', user: 'ada', tags: ['prod'], scope: { models: ['openai/*'], rpm: 60 } },
        secretFor('sy-create-secret-1'),
      );
      expect(key.id).toMatch(/^key_[0-9A-Za-z]{20}$/);
      expect(key).toMatchObject({
        name: 'search backend',
        team: 'platform',
        project: 'search',
        user: 'ada',
        tags: ['prod'],
        scope: { models: ['openai/*'], rpm: 60 },
        disabled: false,
        secrets: [{ hash: sha256('sy-create-secret-1'), prefix: 'sy-crea' }],
      });
      expect(key.revokedAt).toBeUndefined();
      expect(new Date(key.createdAt).toISOString()).toBe(key.createdAt);
      expect(await store.keys.get(key.id)).toEqual(key);
      expect(await store.keys.findBySecretHash(sha256('sy-create-secret-1'), new Date())).toEqual(key);
      expect(await store.keys.findBySecretHash(sha256('sy-not-a-key'), new Date())).toBeUndefined();
      expect(await store.keys.get('key_missing')).toBeUndefined();
    });

    it('leaves out unset fields and rejects anything but a SHA-256 digest as a secret', async () => {
      const key = await store.keys.create({ name: 'bare' }, secretFor('sy-bare-secret'));
      expect(key).toEqual({
        id: key.id,
        name: 'bare',
        tags: [],
        scope: {},
        disabled: false,
        createdAt: key.createdAt,
        updatedAt: key.createdAt,
        secrets: [{ hash: sha256('sy-bare-secret'), prefix: 'sy-bare' }],
      });
      await expect(store.keys.create({ name: 'raw' }, { hash: 'sy-raw-secret-not-hashed', prefix: 'sy-raw-' })).rejects.toThrow();
      await expect(store.keys.create({ name: 'dup' }, secretFor('sy-bare-secret'))).rejects.toThrow();
      // A failed create leaves no half a key behind.
      const listed = await store.keys.list({ limit: 1000, includeRevoked: true });
      expect(listed.keys.filter((k) => k.name === 'raw' || k.name === 'dup')).toEqual([]);
    });

    it('a secret with its own expiry stops matching at that time', async () => {
      const key = await store.keys.create({ name: 'temporary' }, secretFor('sy-temporary', '2030-01-01T00:00:00.000Z'));
      expect(key.secrets[0]?.expiresAt).toBe('2030-01-01T00:00:00.000Z');
      expect((await store.keys.findBySecretHash(sha256('sy-temporary'), new Date('2029-12-31T23:59:59Z')))?.id).toBe(key.id);
      expect(await store.keys.findBySecretHash(sha256('sy-temporary'), new Date('2030-01-01T00:00:00Z'))).toBeUndefined();
    });

    it('updates only the fields given', async () => {
      const key = await store.keys.create({ name: 'before', team: 't1', tags: ['a'] }, secretFor('sy-update-secret'));
      await new Promise((resolve) => setTimeout(resolve, 5));
      const updated = await store.keys.update(key.id, { name: 'after', tags: ['b', 'c'], disabled: true, scope: { maxTokens: 100 } });
      expect(updated).toMatchObject({ id: key.id, name: 'after', team: 't1', tags: ['b', 'c'], disabled: true, scope: { maxTokens: 100 } });
      expect(updated!.createdAt).toBe(key.createdAt);
      expect(updated!.updatedAt > key.updatedAt).toBe(true);
      expect(updated!.secrets).toEqual(key.secrets);
      expect(await store.keys.update('key_missing', { name: 'x' })).toBeUndefined();
    });

    it('rotates with a grace period: the old secret works until graceUntil, the new one from now on', async () => {
      const key = await store.keys.create({ name: 'rotating' }, secretFor('sy-old-secret'));
      const graceUntil = new Date('2031-06-01T12:00:00.000Z');
      const rotated = await store.keys.rotate(key.id, secretFor('sy-new-secret'), graceUntil);
      expect(rotated!.secrets).toEqual([
        { hash: sha256('sy-old-secret'), prefix: 'sy-old-', expiresAt: '2031-06-01T12:00:00.000Z' },
        { hash: sha256('sy-new-secret'), prefix: 'sy-new-' },
      ]);
      const before = new Date('2031-06-01T11:59:59.999Z');
      const after = new Date('2031-06-01T12:00:00.000Z');
      expect((await store.keys.findBySecretHash(sha256('sy-old-secret'), before))?.id).toBe(key.id);
      expect(await store.keys.findBySecretHash(sha256('sy-old-secret'), after)).toBeUndefined();
      expect((await store.keys.findBySecretHash(sha256('sy-new-secret'), after))?.id).toBe(key.id);

      // Without grace the current secrets stop at once.
      const again = await store.keys.rotate(key.id, secretFor('sy-newest-secret'), undefined);
      expect(again!.secrets.map((s) => s.prefix)).toEqual(['sy-newe']);
      expect(await store.keys.findBySecretHash(sha256('sy-new-secret'), new Date())).toBeUndefined();
      expect(await store.keys.findBySecretHash(sha256('sy-old-secret'), before)).toBeUndefined();
      expect((await store.keys.findBySecretHash(sha256('sy-newest-secret'), new Date()))?.id).toBe(key.id);
      expect(await store.keys.rotate('key_missing', secretFor('sy-whatever'), undefined)).toBeUndefined();
    });

    it('revokes (keeping the first time) and still finds a revoked key by its secret', async () => {
      const key = await store.keys.create({ name: 'doomed' }, secretFor('sy-doomed'));
      const at = new Date('2026-11-27T10:00:00.000Z');
      const revoked = await store.keys.revoke(key.id, at);
      expect(revoked!.revokedAt).toBe(at.toISOString());
      expect((await store.keys.revoke(key.id, new Date('2026-12-01T00:00:00Z')))!.revokedAt).toBe(at.toISOString());
      expect((await store.keys.findBySecretHash(sha256('sy-doomed'), new Date()))?.revokedAt).toBe(at.toISOString());
      expect(await store.keys.revoke('key_missing', at)).toBeUndefined();
    });

    it('keeps the audit trail per key in time order', async () => {
      const key = await store.keys.create({ name: 'audited' }, secretFor('sy-audited'));
      await store.keys.appendAudit({ keyId: key.id, action: 'create', actor: 'master', at: '2026-11-27T10:00:00.000Z', details: { name: 'audited' } });
      await store.keys.appendAudit({ keyId: key.id, action: 'rotate', actor: 'master', at: '2026-11-27T12:00:00.000Z', details: { graceSeconds: 3600 } });
      await store.keys.appendAudit({ keyId: key.id, action: 'update', actor: 'ops', at: '2026-11-27T11:00:00.000Z', details: { fields: ['name'] } });
      await store.keys.appendAudit({ keyId: key.id, action: 'revoke', actor: 'master', at: '2026-11-27T12:00:00.000Z', details: {} });
      await store.keys.appendAudit({ keyId: 'key_other', action: 'create', actor: 'master', at: '2026-11-27T09:00:00.000Z', details: {} });
      const trail = (await store.keys.listAudit(key.id, { limit: 100 })).entries;
      expect(trail.map((e) => e.action)).toEqual(['create', 'update', 'rotate', 'revoke']);
      expect(trail[1]).toEqual({ keyId: key.id, action: 'update', actor: 'ops', at: '2026-11-27T11:00:00.000Z', details: { fields: ['name'] } });
      expect(await store.keys.listAudit('key_nobody', { limit: 100 })).toEqual({ entries: [] });
      // Pages keep that order, an entry appended late but earlier in time included.
      const first = await store.keys.listAudit(key.id, { limit: 2 });
      expect(first.entries.map((e) => e.action)).toEqual(['create', 'update']);
      const second = await store.keys.listAudit(key.id, { limit: 2, ...(first.nextCursor !== undefined && { cursor: first.nextCursor }) });
      expect(second.entries.map((e) => e.action)).toEqual(['rotate', 'revoke']);
      expect(second.nextCursor).toBeUndefined();
    });

    it('lists in creation order, page by page, with filters', async () => {
      const own = freshSchemaName();
      schemas.add(own);
      const s = await openStorage(url, own);
      await s.keys.migrate();
      try {
        const made = [];
        for (let i = 0; i < 7; i++) {
          made.push(
            await s.keys.create(
              { name: `k${i}`, team: i % 2 === 0 ? 'even' : 'odd', project: i < 3 ? 'p1' : 'p2', tags: i % 3 === 0 ? ['three', 'x'] : ['x'] },
              secretFor(`sy-list-${i}`),
            ),
          );
        }
        await s.keys.revoke(made[4]!.id, new Date());

        const pages: string[][] = [];
        let cursor: string | undefined;
        do {
          const page = await s.keys.list({ limit: 2, includeRevoked: true, ...(cursor ? { cursor } : {}) });
          pages.push(page.keys.map((k) => k.name));
          cursor = page.nextCursor;
        } while (cursor);
        expect(pages).toEqual([['k0', 'k1'], ['k2', 'k3'], ['k4', 'k5'], ['k6']]);

        const names = async (filter: Parameters<typeof s.keys.list>[0]) => (await s.keys.list(filter)).keys.map((k) => k.name);
        expect(await names({ limit: 100 })).toEqual(['k0', 'k1', 'k2', 'k3', 'k5', 'k6']);
        expect(await names({ limit: 100, team: 'even' })).toEqual(['k0', 'k2', 'k6']);
        expect(await names({ limit: 100, team: 'even', includeRevoked: true })).toEqual(['k0', 'k2', 'k4', 'k6']);
        expect(await names({ limit: 100, project: 'p1', team: 'odd' })).toEqual(['k1']);
        expect(await names({ limit: 100, tag: 'three' })).toEqual(['k0', 'k3', 'k6']);
        expect(await names({ limit: 100, tag: 'none' })).toEqual([]);
        const exact = await s.keys.list({ limit: 6 });
        expect(exact.keys).toHaveLength(6);
        expect(exact.nextCursor).toBeUndefined();
        const filteredPage = await s.keys.list({ limit: 2, tag: 'three' });
        expect(filteredPage.keys.map((k) => k.name)).toEqual(['k0', 'k3']);
        expect((await s.keys.list({ limit: 2, tag: 'three', cursor: filteredPage.nextCursor! })).keys.map((k) => k.name)).toEqual(['k6']);
        await expect(s.keys.list({ limit: 2, cursor: 'garbage' })).rejects.toThrow(/cursor/);
      } finally {
        await s.keys.close();
      }
    });
  });

  describe('usage ledger', () => {
    const base: UsageRecord = {
      id: 'req_0',
      at: '2026-11-27T10:00:00.000Z',
      endpoint: 'chat',
      keyId: 'key_a',
      team: 'team-a',
      project: 'search',
      requestedModel: 'openai/gpt-4o-mini',
      provider: 'openai',
      model: 'gpt-4o-mini',
      stream: false,
      inputTokens: 100,
      outputTokens: 20,
      cachedInputTokens: 10,
      reasoningTokens: 0,
      costUsd: 0.000123,
      latencyMs: 250,
      status: 200,
      errorCode: undefined,
      cacheHit: false,
      attempts: 1,
    };
    const record = (fields: Partial<UsageRecord>): UsageRecord => ({ ...base, ...fields });
    let ledger: StorageSet['ledger'];
    let own: StorageSet;

    beforeAll(async () => {
      const schemaName = freshSchemaName();
      schemas.add(schemaName);
      own = await openStorage(url, schemaName);
      await own.ledger.migrate();
      ledger = own.ledger;
      await ledger.append([]);
      await ledger.append([
        record({ id: 'req_1' }),
        record({ id: 'req_2', at: '2026-11-27T23:59:59.999Z', inputTokens: 50, outputTokens: 5, costUsd: 0.0000001, reasoningTokens: 7 }),
        record({ id: 'req_3', at: '2026-11-28T00:00:00.000Z', keyId: 'key_b', team: undefined, status: 429, errorCode: 'rate_limited', costUsd: 0 }),
        record({
          id: 'req_4',
          at: '2026-11-28T05:00:00.000Z',
          keyId: undefined,
          team: undefined,
          project: undefined,
          provider: 'anthropic',
          model: 'claude-sonnet-4',
          status: 502,
          cacheHit: true,
          stream: true,
          attempts: 3,
        }),
        record({ id: 'req_5', at: '2026-11-30T00:00:00.000Z' }), // outside the queried range
      ]);
    });

    afterAll(async () => {
      await own?.ledger.close();
    });

    const range = { from: '2026-11-27T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z' };

    it('counts what was appended', async () => {
      expect(await ledger.count()).toBe(5);
    });

    it('groups by day in UTC with sums and error counts', async () => {
      expect(await ledger.query({ ...range, groupBy: 'day' })).toEqual([
        { group: '2026-11-27', requests: 2, inputTokens: 150, outputTokens: 25, cachedInputTokens: 20, reasoningTokens: 7, costUsd: 0.0001231, errors: 0, estimatedRequests: 0, estimatedCostUsd: 0 },
        { group: '2026-11-28', requests: 2, inputTokens: 200, outputTokens: 40, cachedInputTokens: 20, reasoningTokens: 0, costUsd: 0.000123, errors: 2, estimatedRequests: 0, estimatedCostUsd: 0 },
      ]);
    });

    it('groups by key, team, project, model and provider, with (none) where unset', async () => {
      const groups = async (groupBy: 'key' | 'team' | 'project' | 'model' | 'provider') =>
        (await ledger.query({ ...range, groupBy })).map((row) => [row.group, row.requests, row.errors]);
      expect(await groups('key')).toEqual([['(none)', 1, 1], ['key_a', 2, 0], ['key_b', 1, 1]]);
      expect(await groups('team')).toEqual([['(none)', 2, 2], ['team-a', 2, 0]]);
      expect(await groups('project')).toEqual([['(none)', 1, 1], ['search', 3, 1]]);
      expect(await groups('model')).toEqual([['anthropic/claude-sonnet-4', 1, 1], ['openai/gpt-4o-mini', 3, 1]]);
      expect(await groups('provider')).toEqual([['anthropic', 1, 1], ['openai', 3, 1]]);
    });

    it('filters by key and by time (from inclusive, to exclusive)', async () => {
      expect(await ledger.query({ ...range, groupBy: 'team', keyId: 'key_a' })).toEqual([
        expect.objectContaining({ group: 'team-a', requests: 2 }),
      ]);
      const edge = await ledger.query({ from: '2026-11-28T00:00:00.000Z', to: '2026-11-28T05:00:00.000Z', groupBy: 'key' });
      expect(edge.map((row) => row.group)).toEqual(['key_b']);
      expect(await ledger.query({ from: '2025-01-01T00:00:00Z', to: '2025-01-02T00:00:00Z', groupBy: 'day' })).toEqual([]);
    });

    it('appends a batch all or nothing', async () => {
      const before = await ledger.count();
      await expect(ledger.append([record({ id: 'req_ok' }), record({ id: 'req_bad', at: 'not a time' })])).rejects.toThrow();
      expect(await ledger.count()).toBe(before);
    });

    it('appends a large batch in one statement (beyond the 65,535-parameter limit of a VALUES list)', async () => {
      const own2 = freshSchemaName();
      schemas.add(own2);
      const s = await openStorage(url, own2);
      await s.ledger.migrate();
      try {
        const batch = Array.from({ length: 5000 }, (_, i) => record({ id: `req_big_${i}`, costUsd: 0.000001 }));
        await s.ledger.append(batch);
        expect(await s.ledger.count()).toBe(5000);
        const [row] = await s.ledger.query({ ...range, groupBy: 'provider' });
        expect(row).toMatchObject({ group: 'openai', requests: 5000, inputTokens: 500_000, costUsd: 0.005 });
      } finally {
        await s.ledger.close();
      }
    });
  });

  describe('budgets', () => {
    const day = '2026-11-27T00:00:00.000Z';
    const account = (owner: string, limitUsd: number, windowStart = day): BudgetAccount => ({ owner, windowStart, limitUsd });

    it('reserves within the limit and refuses beyond it (spent + reserved + amount ≤ limit)', async () => {
      const a = account('key:within', 1);
      expect(await store.budgets.reserve([a], 0.6)).toMatchObject({ ok: true, reservationId: expect.stringMatching(/^res_/) });
      expect(await store.budgets.reserve([a], 0.5)).toEqual({ ok: false, exhausted: 'key:within' });
      expect(await store.budgets.reserve([a], 0.4)).toMatchObject({ ok: true }); // exactly at the limit
      expect(await store.budgets.reserve([a], 0.000001)).toEqual({ ok: false, exhausted: 'key:within' });
      expect(await store.budgets.spent('key:within', day)).toBe(0);
    });

    it('refuses a negative amount, or one past 2^53 micro-dollars, to reserve or settle, as the SQLite store does, and changes nothing', async () => {
      // A negative hold lowered reserved_micros, so later requests held past the limit; a negative settle lowered spend.
      const a = account('key:hostile-amounts', 100);
      for (const amount of [-0.5, -0.000001, 9.1e9, 1e300]) await expect(store.budgets.reserve([a], amount)).rejects.toThrow(RangeError);
      const held = await store.budgets.reserve([a], 1);
      if (!held.ok) throw new Error('refused');
      for (const amount of [-1, -0.000001, 9.1e9]) await expect(store.budgets.settle(held.reservationId, amount)).rejects.toThrow(RangeError);
      await expect(store.budgets.settlePart!(held.reservationId, 9.1e9, 0)).rejects.toThrow(RangeError);
      await expect(store.budgets.settlePart!(held.reservationId, 0, 9.1e9)).rejects.toThrow(RangeError);
      expect(await store.budgets.reserved(a.owner, day)).toBe(1);
      expect(await store.budgets.spent(a.owner, day)).toBe(0);
      await store.budgets.settle(held.reservationId, 0.25);
      expect(await store.budgets.reserved(a.owner, day)).toBe(0);
      expect(await store.budgets.spent(a.owner, day)).toBe(0.25);
    });

    it("leases run on the database's clock: an instance whose clock is behind does not have its live holds swept by another", async () => {
      // Each instance wrote expires_at from its own clock and swept by its own: one two minutes
      // behind wrote leases already past on every other instance's clock, and their next sweep
      // released holds still in use, so the budget admitted more than its limit.
      const a = account('key:skewed-clock', 1);
      const behind = await openStorage(url, schema);
      const ahead = await openStorage(url, schema);
      try {
        const realNow = Date.now.bind(Date);
        const clock = vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 120_000);
        const held = await behind.budgets.reserve([a], 0.8, { holder: 'behind', ttlMs: 60_000 });
        expect(await behind.budgets.renewLeases('behind', 60_000)).toBe(1);
        clock.mockRestore();
        expect(held.ok).toBe(true);
        await ahead.budgets.releaseExpired();
        expect(await store.budgets.reserved(a.owner, day)).toBeCloseTo(0.8, 9);
        expect(await ahead.budgets.reserve([a], 0.5)).toEqual({ ok: false, exhausted: a.owner });
        // A lease that did run out, on the database's clock, is still swept.
        await admin.query(`UPDATE "${schema}".budget_reservations SET expires_at = now() - interval '1 second' WHERE holder = 'behind'`);
        expect(await ahead.budgets.releaseExpired()).toBe(1);
        expect(await store.budgets.reserved(a.owner, day)).toBe(0);
      } finally {
        vi.restoreAllMocks();
        await behind.keys.close();
        await ahead.keys.close();
      }
    });

    it('reserves on every account or on none', async () => {
      const key = account('key:both', 10);
      const team = account('team:both', 1);
      expect(await store.budgets.reserve([key, team], 0.8)).toMatchObject({ ok: true });
      expect(await store.budgets.reserve([key, team], 0.5)).toEqual({ ok: false, exhausted: 'team:both' });
      // The refused call reserved nothing on the key: 10 - 0.8 still fits exactly.
      expect(await store.budgets.reserve([key], 9.2)).toMatchObject({ ok: true });
      expect(await store.budgets.reserve([key], 0.000001)).toMatchObject({ ok: false });
      // The first exhausted account in the caller's order is reported.
      expect(await store.budgets.reserve([key, team], 1)).toEqual({ ok: false, exhausted: 'key:both' });
    });

    it('settles to a lower cost (releasing the rest) or a higher one', async () => {
      const a = account('key:settle', 1);
      const first = await store.budgets.reserve([a], 0.5);
      if (!first.ok) throw new Error('expected a reservation');
      await store.budgets.settle(first.reservationId, 0.1);
      expect(await store.budgets.spent('key:settle', day)).toBe(0.1);
      expect(await store.budgets.reserve([a], 0.9)).toMatchObject({ ok: true }); // 0.1 spent + 0.9 = 1: released exactly
      const over = await store.budgets.reserve([account('key:settle', 1, '2026-11-28T00:00:00.000Z')], 0.2);
      if (!over.ok) throw new Error('expected a reservation');
      await store.budgets.settle(over.reservationId, 1.5); // the model ran over
      expect(await store.budgets.spent('key:settle', '2026-11-28T00:00:00.000Z')).toBe(1.5);
      expect(await store.budgets.reserve([account('key:settle', 1, '2026-11-28T00:00:00.000Z')], 0)).toEqual({
        ok: false,
        exhausted: 'key:settle',
      });
      // Settling the same reservation again changes nothing.
      await store.budgets.settle(over.reservationId, 1.5);
      await store.budgets.settle('res_unknown', 1);
      expect(await store.budgets.spent('key:settle', '2026-11-28T00:00:00.000Z')).toBe(1.5);
    });

    it('keeps windows and owners independent', async () => {
      expect(await store.budgets.reserve([account('team:w', 1, '2026-11-01T00:00:00.000Z')], 1)).toMatchObject({ ok: true });
      expect(await store.budgets.reserve([account('team:w', 1, '2026-11-02T00:00:00.000Z')], 1)).toMatchObject({ ok: true });
      expect(await store.budgets.reserve([account('team:w2', 1, '2026-11-01T00:00:00.000Z')], 1)).toMatchObject({ ok: true });
      expect(await store.budgets.reserve([account('team:w', 1, '2026-11-01T00:00:00.000Z')], 0.01)).toMatchObject({ ok: false });
      expect(await store.budgets.spent('team:nobody', day)).toBe(0);
    });

    it('releases reservations never settled (a crashed gateway) when asked', async () => {
      const a = account('key:stale', 1);
      const b = account('team:stale', 1);
      const stale = await store.budgets.reserve([a, b], 0.7);
      const settled = await store.budgets.reserve([a], 0.2);
      if (!stale.ok || !settled.ok) throw new Error('expected reservations');
      expect(await store.budgets.reserve([a], 0.2)).toMatchObject({ ok: false });
      const budgets = store.budgets as PostgresBudgetStore;
      expect(await budgets.releaseStale(new Date(Date.now() - 60_000))).toBe(0); // too young
      await admin.query(`UPDATE "${schema}".budget_reservations SET created_at = now() - interval '1 hour' WHERE id = $1`, [stale.reservationId]);
      expect(await budgets.releaseStale(new Date(Date.now() - 60_000))).toBe(1);
      expect(await store.budgets.reserve([a], 0.8)).toMatchObject({ ok: true }); // 0.2 + 0.8: the 0.7 is free again
      expect(await store.budgets.reserve([b], 1)).toMatchObject({ ok: true });
      // A late settle still counts (the call was made), holding nothing again; once.
      await store.budgets.settle(stale.reservationId, 0.7);
      await store.budgets.settle(stale.reservationId, 0.7);
      expect(await store.budgets.spent('key:stale', day)).toBe(0.7);
      expect(await store.budgets.reserved('team:stale', day)).toBe(1);
      await store.budgets.settle(settled.reservationId, 0.2);
      expect(await store.budgets.spent('key:stale', day)).toBe(0.9);
    });

    it('stores money as whole micro-dollars in BIGINT columns', async () => {
      const r = await store.budgets.reserve([account('key:micros', 1)], 0.1 + 0.2); // 0.30000000000000004
      if (!r.ok) throw new Error('expected a reservation');
      const { rows } = await admin.query(`SELECT reserved_micros, limit_micros, pg_typeof(reserved_micros)::text AS type FROM "${schema}".budget_accounts WHERE owner = 'key:micros'`);
      expect(rows[0]).toEqual({ reserved_micros: '300000', limit_micros: '1000000', type: 'bigint' });
      expect(await store.budgets.reserve([account('key:micros', 1)], 0.7)).toMatchObject({ ok: true });
    });

    it('is exact across two instances: 2 × 100 concurrent reservations against a limit that fits 37', async () => {
      const schemaName = freshSchemaName();
      schemas.add(schemaName);
      const [one, two] = await Promise.all([openStorage(url, schemaName), openStorage(url, schemaName)]);
      await Promise.all([one!.budgets.migrate(), two!.budgets.migrate()]);
      try {
        const a = account('team:race', 0.37);
        const fire = (s: StorageSet) => Array.from({ length: 100 }, () => s.budgets.reserve([a], 0.01));
        const results = await Promise.all([...fire(one!), ...fire(two!)]);
        expect(results.filter((r) => r.ok)).toHaveLength(37);
        expect(results.filter((r) => !r.ok && r.exhausted === 'team:race')).toHaveLength(163);
        const { rows } = await admin.query(`SELECT reserved_micros FROM "${schemaName}".budget_accounts WHERE owner = 'team:race'`);
        expect(rows[0].reserved_micros).toBe('370000');

        // Two accounts named in opposite orders by the two instances: no deadlock, still exact.
        const key = account('key:cross', 100);
        const team = account('team:cross', 0.5);
        const forward = Array.from({ length: 100 }, () => one!.budgets.reserve([key, team], 0.01));
        const backward = Array.from({ length: 100 }, () => two!.budgets.reserve([team, key], 0.01));
        const crossed = await Promise.all([...forward, ...backward]);
        expect(crossed.filter((r) => r.ok)).toHaveLength(50);
        const sums = await admin.query(`SELECT owner, reserved_micros FROM "${schemaName}".budget_accounts WHERE owner LIKE '%:cross' ORDER BY owner`);
        expect(sums.rows).toEqual([
          { owner: 'key:cross', reserved_micros: '500000' },
          { owner: 'team:cross', reserved_micros: '500000' },
        ]);

        // Settling concurrently from both instances moves every reservation exactly once.
        const ids = crossed.flatMap((r) => (r.ok ? [r.reservationId] : []));
        await Promise.all(ids.map((id, i) => (i % 2 === 0 ? one! : two!).budgets.settle(id, 0.004)));
        expect(await one!.budgets.spent('team:cross', day)).toBe(0.2);
        expect(await two!.budgets.spent('key:cross', day)).toBe(0.2);
        const after = await admin.query(`SELECT sum(reserved_micros)::text AS reserved FROM "${schemaName}".budget_accounts WHERE owner LIKE '%:cross'`);
        expect(after.rows[0].reserved).toBe('0');
      } finally {
        await Promise.all([one!.budgets.close(), two!.budgets.close()]);
      }
    });
  });

  it('never stores a secret: every text column of every table is free of it', async () => {
    const secret = 'sy-SuperSecretValue-1234567890abcdef';
    const rotatedSecret = 'sy-RotatedSecretValue-0987654321';
    const key = await store.keys.create({ name: 'secret-check', tags: ['t'] }, secretFor(secret));
    await store.keys.rotate(key.id, secretFor(rotatedSecret), new Date(Date.now() + 60_000));
    await store.keys.appendAudit({ keyId: key.id, action: 'rotate', actor: 'master', at: new Date().toISOString(), details: { prefix: 'sy-Rota' } });
    await store.ledger.append([
      {
        id: 'req_secret', at: new Date().toISOString(), endpoint: 'chat', keyId: key.id, team: undefined, project: undefined,
        requestedModel: 'mock/echo', provider: 'mock', model: 'echo', stream: false, inputTokens: 1, outputTokens: 1,
        cachedInputTokens: 0, reasoningTokens: 0, costUsd: 0, latencyMs: 1, status: 200, errorCode: undefined, cacheHit: false, attempts: 1,
      },
    ]);
    await store.budgets.reserve([{ owner: `key:${key.id}`, windowStart: '1970-01-01T00:00:00.000Z', limitUsd: 1 }], 0.1);

    const { rows: columns } = await admin.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = $1 AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY')`,
      [schema],
    );
    expect(columns.length).toBeGreaterThan(20);
    const tablesChecked = new Set<string>();
    for (const { table_name, column_name } of columns) {
      const { rows } = await admin.query<{ hits: string; total: string }>(
        `SELECT count(*) FILTER (WHERE strpos("${column_name}"::text, $1) > 0 OR strpos("${column_name}"::text, $2) > 0) AS hits, count(*) AS total
         FROM "${schema}"."${table_name}"`,
        [secret, rotatedSecret],
      );
      expect({ table_name, column_name, hits: rows[0]!.hits }).toEqual({ table_name, column_name, hits: '0' });
      if (Number(rows[0]!.total) > 0) tablesChecked.add(table_name);
    }
    expect([...tablesChecked].sort()).toEqual(['budget_accounts', 'budget_reservations', 'key_audit', 'key_secrets', 'keys', 'schema_migrations', 'usage']);
    // What is there is the digest.
    const { rows } = await admin.query(`SELECT hash FROM "${schema}".key_secrets WHERE key_id = $1 ORDER BY seq`, [key.id]);
    expect(rows.map((row) => row.hash)).toEqual([sha256(secret), sha256(rotatedSecret)]);
  });
});
