import { EventEmitter, once } from 'node:events';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import pg from 'pg';
import type { StorageSet } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchemas, findPostgres, freshSchemaName, openStorage } from './postgres-target.js';

const target = await findPostgres();
const url = target.available ? target.url : '';

/**
 * A gateway that goes silent in the middle of a transaction (a partition, a host that
 * froze or died, a process stopped): the server keeps the transaction open, and its row
 * locks, until it hears the connection is gone, which TCP takes hours to tell it. Every
 * other instance's reservation on those budget accounts waited on the locks and failed
 * with 503 for as long.
 */
/**
 * A relay that can go silent as a partition does: nothing more is forwarded either way, and
 * the gateway closing its side (after its query timeout) never reaches the server. (The
 * shared TcpRelay closes the server's side once the client's closes.) Emits `answer` for
 * every chunk the server sends.
 */
async function partitionableRelay(host: string, port: number) {
  const events = new EventEmitter();
  const sockets = new Set<Socket>();
  let silent = false;
  const server = createServer((client) => {
    const upstream = createConnection(port, host);
    for (const socket of [client, upstream]) sockets.add(socket.on('error', () => {}));
    client.on('data', (chunk) => void (silent || upstream.write(chunk)));
    upstream.on('data', (chunk) => {
      if (silent) return;
      client.write(chunk);
      events.emit('answer');
    });
    client.on('close', () => void (silent || upstream.destroy()));
    upstream.on('close', () => void (silent || client.destroy()));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return Object.assign(events, {
    url: (of: string) => Object.assign(new URL(of), { hostname: '127.0.0.1', port: String((server.address() as AddressInfo).port) }).toString(),
    silence: () => void (silent = true),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}

describe.skipIf(!target.available)('postgres: a transaction whose gateway went silent', () => {
  const schema = freshSchemaName();
  const window = '2029-12-01T00:00:00.000Z';
  const owner = 'key:frozen-mid-transaction';
  const lease = { holder: 'gw-frozen', ttlMs: 60_000 };
  let relay: Awaited<ReturnType<typeof partitionableRelay>>;
  let frozen: StorageSet;
  let other: StorageSet;
  let admin: pg.Client;

  beforeAll(async () => {
    const { hostname, port } = new URL(url);
    relay = await partitionableRelay(hostname, Number(port || 5432));
    // One connection: every reservation of the frozen gateway goes over the same one.
    frozen = await openStorage(relay.url(url), schema, { pool_size: 1, query_timeout_ms: 3000, statement_timeout_ms: 800 });
    other = await openStorage(url, schema, { statement_timeout_ms: 300 });
    await frozen.budgets.migrate();
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });

  afterAll(async () => {
    await relay?.close();
    await frozen?.budgets.close().catch(() => undefined);
    await other?.budgets.close();
    await admin?.end();
    await dropSchemas(url, [schema]);
  });

  /** Backends of this test's schema left open inside a transaction, waiting on their client. */
  async function idleInTransaction(): Promise<number> {
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' AND application_name = 'switchyard' AND query LIKE $1`,
      [`%${schema}%`],
    );
    return rows[0].n as number;
  }

  it('is ended by the server after query_timeout_ms, its locks released so another instance reserves on the same account', async () => {
    const reserve = (storage: StorageSet) => storage.budgets.reserve([{ owner, windowStart: window, limitUsd: 10 }], 0.01, lease);
    // A reservation first, so the one connection is open and the account exists.
    expect(await reserve(frozen)).toMatchObject({ ok: true });

    // The next one goes silent after its SELECT … FOR UPDATE was answered (BEGIN, the insert of
    // new accounts, then the locking select: the third answer), before its UPDATE and COMMIT.
    let answers = 0;
    relay.on('answer', () => void (++answers === 3 && relay.silence()));
    const stuck = reserve(frozen).then(
      () => 'answered',
      (error: unknown) => error,
    );
    while (answers < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await idleInTransaction()).toBe(1);
    // Meanwhile another instance cannot reserve on that account: the row is locked.
    await expect(reserve(other)).rejects.toMatchObject({ code: 'store_unavailable' });

    // The test's own bound: the server ends that session once it has been idle in its
    // transaction for query_timeout_ms (3 s here; the frozen gateway gave up on it then too).
    for (let waited = 0; waited < 8000 && (await idleInTransaction()) > 0; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await idleInTransaction()).toBe(0);
    expect(await reserve(other)).toMatchObject({ ok: true });
    expect(await stuck).toMatchObject({ code: 'store_unavailable' });
  });
});
