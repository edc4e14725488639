import { randomBytes } from 'node:crypto';
import { findPostgres, freshSchemaName } from '@switchyard/testing';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './support/run-cli.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { asAdmin, chat, createKey, expectStoreUnavailable, health } from './support/store-fault-calls.js';

/**
 * PostgreSQL changed under a running gateway by someone else: its schema dropped, its
 * role's rights on the tables taken away. What a client and `/health` see.
 */
const target = await findPostgres();
const url = target.available ? target.url : '';

let gateway: TestGateway | undefined;
const cleanups: Array<(admin: pg.Client) => Promise<unknown>> = [];

afterEach(async () => {
  const closing = gateway;
  gateway = undefined;
  // Its last usage records may have had nowhere to go.
  await closing?.close().catch(() => undefined);
  await asAdmin(url, async (admin) => {
    for (const cleanup of cleanups.splice(0)) await cleanup(admin);
  });
});

describe.skipIf(!target.available)('a PostgreSQL database changed under a running gateway', () => {
  it('its schema dropped: a key lookup is 503 store_unavailable and /health names the missing table, never a 500', async () => {
    const schema = freshSchemaName();
    cleanups.push((admin) => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    gateway = await startTestGateway({ providers: { mock: {} }, storage: { use: 'postgres', url, schema }, usage: { flush_interval_ms: 20 } });
    const unseen = await createKey(gateway.origin);

    await asAdmin(url, (admin) => admin.query(`DROP SCHEMA "${schema}" CASCADE`));

    await expectStoreUnavailable(await chat(gateway.origin, unseen), '2');
    const seen = await health(gateway.origin);
    expect(seen.status).toBe('degraded');
    expect(seen.checks.storage).toMatchObject({ healthy: false, last_error: expect.stringMatching(/^42P01: relation ".*" does not exist/) });
    expect(gateway.logLines.join('\n')).not.toContain('"status":500');
  });

  it('its role losing its rights on the tables: 503 while they are gone, usage records held, then written once they are given back', async () => {
    const schema = freshSchemaName();
    const role = `switchyard_rights_${randomBytes(4).toString('hex')}`;
    cleanups.push(async (admin) => {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.query(`REVOKE ALL ON DATABASE "${new URL(url).pathname.slice(1)}" FROM "${role}"`);
      await admin.query(`DROP ROLE IF EXISTS "${role}"`);
    });
    await asAdmin(url, async (admin) => {
      await admin.query(`CREATE ROLE "${role}" LOGIN`);
      await admin.query(`GRANT CREATE ON DATABASE "${new URL(url).pathname.slice(1)}" TO "${role}"`);
    });
    const asRole = new URL(url);
    asRole.username = role;
    gateway = await startTestGateway({ providers: { mock: {} }, storage: { use: 'postgres', url: asRole.href, schema }, usage: { flush_interval_ms: 20 } });
    const unseen = await createKey(gateway.origin);

    await asAdmin(url, (admin) => admin.query(`REVOKE ALL ON ALL TABLES IN SCHEMA "${schema}" FROM "${role}"`));

    await expectStoreUnavailable(await chat(gateway.origin, unseen), '2');
    const answered = await chat(gateway.origin, masterKey);
    expect(answered.status).toBe(200);
    const seen = await vi.waitFor(
      async () => {
        const now = await health(gateway!.origin);
        expect(now.checks.storage.last_error).toMatch(/^42501: permission denied/);
        return now;
      },
      { timeout: 10_000, interval: 25 },
    );
    expect(seen.status).toBe('degraded');
    // An outage, not a bad record: held, not set aside.
    expect(seen.checks.usage).toMatchObject({ pending: 1, refused: 0 });

    await asAdmin(url, (admin) => admin.query(`GRANT ALL ON ALL TABLES IN SCHEMA "${schema}" TO "${role}"`));
    expect((await chat(gateway.origin, unseen)).status).toBe(200);
    const requestId = answered.headers.get('x-request-id');
    await vi.waitFor(
      async () => {
        const rows = await asAdmin(url, (admin) => admin.query(`SELECT 1 FROM "${schema}".usage WHERE id = $1`, [requestId]));
        expect(rows.rowCount).toBe(1);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect((await health(gateway.origin)).status).toBe('ok');
    expect(gateway.logLines.join('\n')).not.toContain('"status":500');
  });
});

describe.skipIf(!target.available)('a PostgreSQL role without rights at start', () => {
  it('one line with the database\'s words (42501), exit 1, no stack, no password: the database refusing, not unreachable', async () => {
    const role = `switchyard_norights_${randomBytes(4).toString('hex')}`;
    const password = 'pg-pass-Rt5Wq2Lm8Xv3';
    cleanups.push((admin) => admin.query(`DROP ROLE IF EXISTS "${role}"`));
    await asAdmin(url, (admin) => admin.query(`CREATE ROLE "${role}" LOGIN`));
    const asRole = new URL(url);
    asRole.username = role;
    asRole.password = password;
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-pg-rights-'));
    await writeFile(path.join(cwd, 'switchyard.config.yaml'), `storage:\n  use: postgres\n  url: ${asRole.href}\n  schema: ${freshSchemaName()}\n`);
    const { code, stdout, stderr } = await runCli(['start', '--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^switchyard: could not start: the storage refused: 42501: permission denied for database /)]);
    expect(stdout + stderr).not.toContain(password);
  }, 30_000);
});

describe.skipIf(!target.available)('a PostgreSQL pool held up under load', () => {
  it('its one connection stuck behind a lock: every lookup waits a bounded time, then 503 store_unavailable, none a 500; served again once the lock goes', async () => {
    const schema = freshSchemaName();
    cleanups.push((admin) => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    gateway = await startTestGateway({
      providers: { mock: {} },
      storage: { use: 'postgres', url, schema, pool_size: 1, connect_timeout_ms: 200, query_timeout_ms: 600, statement_timeout_ms: 300 },
    });
    const keys = await Promise.all(Array.from({ length: 12 }, () => createKey(gateway!.origin)));

    const locker = new pg.Client({ connectionString: url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${schema}".keys, "${schema}".key_secrets IN ACCESS EXCLUSIVE MODE`);
      const answers = await Promise.all(keys.map((key) => chat(gateway!.origin, key)));
      for (const answer of answers) await expectStoreUnavailable(answer, '2');
      const seen = await health(gateway.origin);
      expect(seen.checks.storage.healthy).toBe(false);
      // Which bound ends the last lookup is the machine's timing: the server's statement_timeout
      // (57014), the pool's wait for its one connection, or, when the server's cancel comes late
      // on a loaded box, the client's own query_timeout_ms or the transaction's deadline.
      expect(seen.checks.storage.last_error).toMatch(
        /^57014: canceling statement due to statement timeout|timeout exceeded when trying to connect|Query read timeout|did not finish within 600 ms \(query_timeout_ms\)/,
      );
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    const after = await Promise.all(keys.map((key) => chat(gateway!.origin, key)));
    expect(after.map((answer) => answer.status)).toEqual(keys.map(() => 200));
    expect(gateway.logLines.join('\n')).not.toContain('"status":500');
  });
});

describe.skipIf(!target.available)('a PostgreSQL server terminating the gateway\'s connections', () => {
  it('pg_terminate_backend on every one of its backends, again and again under load: each answer 200 or 503 store_unavailable, never a 500; every answered request in the ledger', async () => {
    const schema = freshSchemaName();
    // Its own role: only its backends are terminated, never another test's.
    const role = `switchyard_terminated_${randomBytes(4).toString('hex')}`;
    const database = new URL(url).pathname.slice(1);
    cleanups.push(async (admin) => {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.query(`REVOKE ALL ON DATABASE "${database}" FROM "${role}"`);
      await admin.query(`DROP ROLE IF EXISTS "${role}"`);
    });
    await asAdmin(url, async (admin) => {
      await admin.query(`CREATE ROLE "${role}" LOGIN`);
      await admin.query(`GRANT CREATE ON DATABASE "${database}" TO "${role}"`);
    });
    const asRole = new URL(url);
    asRole.username = role;
    gateway = await startTestGateway({ providers: { mock: {} }, storage: { use: 'postgres', url: asRole.href, schema }, usage: { flush_interval_ms: 20 } });
    const keys = await Promise.all(Array.from({ length: 6 }, () => createKey(gateway!.origin)));

    const statuses = new Map<number, number>();
    const answered: string[] = [];
    let running = true;
    const client = async (key: string) => {
      while (running) {
        const response = await chat(gateway!.origin, key);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 200) answered.push(response.headers.get('x-request-id')!);
        else await expectStoreUnavailable(response, '2');
      }
    };
    const clients = keys.map(client);
    let terminated = 0;
    await asAdmin(url, async (admin) => {
      for (let round = 0; round < 8; round++) {
        const result = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
        terminated += result.rowCount ?? 0;
        // Let the clients go on through a few more answers before the next round.
        const before = answered.length;
        await vi.waitFor(() => expect(answered.length).toBeGreaterThan(before + 5), { timeout: 10_000, interval: 10 });
      }
    });
    running = false;
    await Promise.all(clients);

    console.log(`terminated ${terminated} backends; answers by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(terminated).toBeGreaterThan(0);
    expect([...statuses.keys()].filter((status) => status !== 200 && status !== 503)).toEqual([]);
    await vi.waitFor(
      async () => {
        const rows = await asAdmin(url, (admin) => admin.query(`SELECT id FROM "${schema}".usage`));
        const recorded = new Set(rows.rows.map((row: { id: string }) => row.id));
        expect(answered.filter((id) => !recorded.has(id))).toEqual([]);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(gateway.logLines.join('\n')).not.toContain('"status":500');
  });
});
