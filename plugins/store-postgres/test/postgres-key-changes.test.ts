import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyChange, StorageSet } from '@switchyard/core';
import { startTcpRelay } from '@switchyard/testing';
import { keyChangeChannelName } from '../src/index.js';
import { dropSchemas, findPostgres, freshSchemaName, openStorage } from './postgres-target.js';

const target = await findPostgres();
const url = target.available ? target.url : '';

const secret = (text: string) => ({ hash: createHash('sha256').update(text).digest('hex'), prefix: text.slice(0, 7) });

/** Everything one subscriber hears, and a way to wait for the next notice. */
function listen(storage: StorageSet) {
  const heard: KeyChange[] = [];
  let waiting: ((change: KeyChange) => void) | undefined;
  storage.keyChanges!.subscribe((change) => {
    heard.push(change);
    waiting?.(change);
  });
  return {
    heard,
    /** The next notice from now on (or the first not yet taken). */
    next(): Promise<KeyChange> {
      return new Promise((resolve) => (waiting = resolve));
    },
  };
}

/** Waits until the storage's listening connection is in place (LISTEN runs on the first subscribe). */
async function listening(admin: pg.Client, schema: string, count: number): Promise<number[]> {
  for (;;) {
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = 'switchyard-listen' AND query = $1`,
      [`LISTEN "${keyChangeChannelName(schema)}"`],
    );
    if (rows.length >= count) return rows.map((row) => row.pid);
    await new Promise((resolve) => setTimeout(resolve, 20)); // polling a server view: there is no event to await
  }
}

describe.skipIf(!target.available)('postgres key change notices (LISTEN/NOTIFY)', () => {
  const schema = freshSchemaName();
  const other = freshSchemaName();
  let writer: StorageSet;
  let reader: StorageSet;
  let stranger: StorageSet;
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    writer = await openStorage(url, schema);
    await writer.keys.migrate();
    reader = await openStorage(url, schema);
    stranger = await openStorage(url, other);
    await stranger.keys.migrate();
  });

  afterAll(async () => {
    for (const storage of [writer, reader, stranger]) await storage?.keys.close();
    await admin?.end();
    await dropSchemas(url, [schema, other]);
  });

  it('names one channel per schema, short enough to be an identifier', () => {
    expect(keyChangeChannelName('switchyard')).toMatch(/^switchyard_keys_[0-9a-f]{16}$/);
    expect(keyChangeChannelName('a'.repeat(63)).length).toBeLessThanOrEqual(63);
    expect(keyChangeChannelName('one')).not.toBe(keyChangeChannelName('two'));
  });

  it('another instance hears every revoke, update and rotate, once committed; a change to no key sends nothing; another schema hears nothing', async () => {
    const mine = listen(reader);
    const theirs = listen(stranger);
    await listening(admin, schema, 1);
    await listening(admin, other, 1);
    const key = await writer.keys.create({ name: 'shared' }, secret('sy-shared-0123456789abcdef'));
    // Creating a key announces nothing: no instance can have cached a key that did not exist.
    let next = mine.next();
    expect(await writer.keys.revoke('key_doesNotExist', new Date())).toBeUndefined();
    await writer.keys.update(key.id, { scope: { budget: { limitUsd: 1, period: 'daily' } } });
    expect(await next).toEqual({ keyId: key.id }); // the first notice is the update's
    next = mine.next();
    await writer.keys.rotate(key.id, secret('sy-shared-rotated-0123456789'), undefined);
    expect(await next).toEqual({ keyId: key.id });
    next = mine.next();
    await writer.keys.revoke(key.id, new Date());
    expect(await next).toEqual({ keyId: key.id });
    expect(mine.heard).toEqual([{ keyId: key.id }, { keyId: key.id }, { keyId: key.id }]);
    expect(theirs.heard).toEqual([]);
  });

  it('a notice with a payload that is not a key id means "everything", never a key of that name', async () => {
    const mine = listen(reader);
    await listening(admin, schema, 1);
    const next = mine.next();
    await admin.query('SELECT pg_notify($1, $2)', [keyChangeChannelName(schema), 'x'.repeat(500)]);
    expect(await next).toEqual({ everything: true });
  });

  it('a listening connection that is killed comes back, says "everything" (notices meanwhile are lost), and hears the next change', async () => {
    const mine = listen(reader);
    const [pid] = await listening(admin, schema, 1);
    const gap = mine.next();
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    expect(await gap).toEqual({ everything: true });
    const key = await writer.keys.create({ name: 'after-gap' }, secret('sy-after-gap-0123456789abc'));
    const next = mine.next();
    await writer.keys.update(key.id, { disabled: true });
    expect(await next).toEqual({ keyId: key.id });
  });
});

describe.skipIf(!target.available)('the listening connection when PostgreSQL goes silent, the socket still open (blackholed)', () => {
  it('notices by its SELECT 1 going unanswered, reconnects, says "everything", and hears the next change', async () => {
    const where = new URL(url);
    const relay = await startTcpRelay({ host: where.hostname, port: Number(where.port || 5432) });
    const schema = freshSchemaName();
    const writer = await openStorage(url, schema);
    await writer.keys.migrate();
    const reader = await openStorage(relay.urlFor(url), schema, { listen_check_interval_ms: 100, query_timeout_ms: 300, connect_timeout_ms: 300 });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    /** What reached the blackhole, each connection's bytes as text. */
    const swallowed = () => relay.swallowed().map(({ bytes }) => bytes.toString('latin1'));
    try {
      const mine = listen(reader);
      await listening(admin, schema, 1);

      await relay.setMode('blackhole'); // nothing arrives any more, and nothing says so
      // Its SELECT 1 goes unanswered, so the connection is given up: a new one logs in as the listener.
      // (Without the check nothing is ever sent on a listening connection, and nothing notices.)
      await expect.poll(() => swallowed().some((bytes) => bytes.includes('switchyard-listen')), { timeout: 10_000 }).toBe(true);

      const back = mine.next();
      await relay.setMode('pass');
      expect(await back).toEqual({ everything: true });
      const key = await writer.keys.create({ name: 'after-silence' }, secret('sy-after-silence-0123456789'));
      const next = mine.next();
      await writer.keys.update(key.id, { disabled: true });
      expect(await next).toEqual({ keyId: key.id });
    } finally {
      await reader.keys.close();
      await writer.keys.close();
      await admin.end();
      await relay.close();
      await dropSchemas(url, [schema]);
    }
  });
});
