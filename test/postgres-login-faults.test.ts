import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findPostgres, freshSchemaName } from '@switchyard/testing';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './support/run-cli.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { asAdmin, chat, createKey, expectStoreUnavailable, health } from './support/store-fault-calls.js';

/**
 * PostgreSQL refusing the gateway's role after it started: its login taken away or its
 * password changed (a credential rotation that reached the database before the gateway),
 * and a lock_timeout the operator set on the role. What a client, `/health` and the ledger see.
 */
const target = await findPostgres();
const url = target.available ? target.url : '';
const database = url ? new URL(url).pathname.slice(1) : '';

let gateway: TestGateway | undefined;
const cleanups: Array<(admin: pg.Client) => Promise<unknown>> = [];

afterEach(async () => {
  const closing = gateway;
  gateway = undefined;
  await closing?.close().catch(() => undefined);
  await asAdmin(url, async (admin) => {
    for (const cleanup of cleanups.splice(0)) await cleanup(admin);
  });
});

/** A role of its own (only its backends are terminated), with the right to make its schema. */
async function ownRole(prefix: string, schema: string): Promise<string> {
  const role = `${prefix}_${randomBytes(4).toString('hex')}`;
  cleanups.push(async (admin) => {
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.query(`REVOKE ALL ON DATABASE "${database}" FROM "${role}"`);
    await admin.query(`DROP ROLE IF EXISTS "${role}"`);
  });
  await asAdmin(url, async (admin) => {
    await admin.query(`CREATE ROLE "${role}" LOGIN`);
    await admin.query(`GRANT CREATE ON DATABASE "${database}" TO "${role}"`);
  });
  return role;
}

describe.skipIf(!target.available)('a PostgreSQL role refused its login while the gateway runs', () => {
  it('NOLOGIN and its connections ended: 503 store_unavailable, /health degraded naming 28000, records held, then written once it may log in again', async () => {
    const schema = freshSchemaName();
    const role = await ownRole('switchyard_nologin', schema);
    const asRole = new URL(url);
    asRole.username = role;
    gateway = await startTestGateway({ providers: { mock: {} }, storage: { use: 'postgres', url: asRole.href, schema }, usage: { flush_interval_ms: 20 } });
    const unseen = await createKey(gateway.origin);

    await asAdmin(url, async (admin) => {
      await admin.query(`ALTER ROLE "${role}" NOLOGIN`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
    });

    await expectStoreUnavailable(await chat(gateway.origin, unseen));
    const answered = await chat(gateway.origin, masterKey);
    expect(answered.status).toBe(200);
    const seen = await vi.waitFor(
      async () => {
        const now = await health(gateway!.origin);
        expect(now.checks.storage.last_error).toMatch(/^28000: role .* is not permitted to log in/);
        expect(now.checks.usage.pending).toBe(1);
        return now;
      },
      { timeout: 10_000, interval: 25 },
    );
    expect(seen.status).toBe('degraded');
    expect(seen.checks.usage).toMatchObject({ pending: 1, refused: 0 });

    await asAdmin(url, (admin) => admin.query(`ALTER ROLE "${role}" LOGIN`));
    expect((await chat(gateway.origin, unseen)).status).toBe(200);
    const requestId = answered.headers.get('x-request-id');
    await vi.waitFor(
      async () => {
        const rows = await asAdmin(url, (admin) => admin.query(`SELECT 1 FROM "${schema}".usage WHERE id = $1`, [requestId]));
        expect(rows.rowCount).toBe(1);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(gateway.logLines.join('\n')).not.toContain('"status":500');
  });
});

describe.skipIf(!target.available)('a PostgreSQL role with a lock_timeout set by the operator', () => {
  it('a lookup behind a held lock fails with 55P03: 503 store_unavailable, never a 500; served once the lock goes', async () => {
    const schema = freshSchemaName();
    const role = await ownRole('switchyard_locktimeout', schema);
    await asAdmin(url, (admin) => admin.query(`ALTER ROLE "${role}" SET lock_timeout = '50ms'`));
    const asRole = new URL(url);
    asRole.username = role;
    gateway = await startTestGateway({ providers: { mock: {} }, storage: { use: 'postgres', url: asRole.href, schema }, usage: { flush_interval_ms: 20 } });
    const key = await createKey(gateway.origin);

    const locker = new pg.Client({ connectionString: url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${schema}".keys, "${schema}".key_secrets IN ACCESS EXCLUSIVE MODE`);
      await expectStoreUnavailable(await chat(gateway.origin, key));
      const seen = await health(gateway.origin);
      expect(seen.checks.storage).toMatchObject({ healthy: false, last_error: expect.stringMatching(/^55P03: /) });
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect((await chat(gateway.origin, key)).status).toBe(200);
    expect(gateway.logLines.join('\n')).not.toContain('"status":500');
  });
});

describe.skipIf(!target.available)('a PostgreSQL role refused every connection at start (CONNECTION LIMIT 0)', () => {
  it('the log says nothing of a store that was unavailable to requests and then reachable again: one line why, exit 1, no password', async () => {
    const schema = freshSchemaName();
    const role = await ownRole('switchyard_limit0', schema);
    const password = 'pg-pass-Lm4Qz8Wx2Rt6';
    await asAdmin(url, (admin) => admin.query(`ALTER ROLE "${role}" PASSWORD '${password}' CONNECTION LIMIT 0`));
    const asRole = new URL(url);
    asRole.username = role;
    asRole.password = password;
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-pg-limit0-'));
    cleanups.push(() => rm(cwd, { recursive: true, force: true }));
    await writeFile(path.join(cwd, 'switchyard.config.yaml'), `storage:\n  use: postgres\n  url: ${asRole.href}\n  schema: ${schema}\n`);
    const { code, stdout, stderr } = await runCli(['start', '--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([`switchyard: could not start: the storage cannot be reached: too many connections for role "${role}"`]);
    // Before: a warning that requests answer 503 (there were none: the start failed at its
    // migrations), then "store reachable again" as the start closed its pool, then exit 1.
    const lines = stdout.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line['msg'])).not.toContain('store reachable again');
    expect(lines.filter((line) => String(line['msg']).startsWith('store unavailable'))).toEqual([]);
    expect(stdout + stderr).not.toContain(password);
  }, 30_000);
});
