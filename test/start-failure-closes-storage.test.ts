import { builtInPlugins } from '@switchyard/cli';
import { createGateway, createLogger, definePlugin, defineStorage, type PluginFactory, type StorageContext, type StorageSet } from '@switchyard/core';
import postgres from '@switchyard/store-postgres';
import sqlite from '@switchyard/store-sqlite';
import { findPostgres, freshSchemaName } from '@switchyard/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * createGateway opens the storage before it builds the chain's steps. A step whose build
 * threw (a check of its options, a connection it could not set up) left the storage open: the
 * SQLite worker thread, a PostgreSQL pool, the Redis connection of a step built before it. The
 * caller got the error, and the process (`switchyard start` after its "could not start" line, an
 * app that caught it) could not exit.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-start-failure-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** A storage plugin that opens `open`'s stores, keeping each StorageSet for the test to look at afterwards. */
const opened: StorageSet[] = [];
const kept = (name: string, open: (context: StorageContext) => Promise<StorageSet>) =>
  defineStorage<Record<string, unknown>>({
    name,
    optionsSchema: { type: 'object' },
    create: async (_options, context) => {
      const storage = await open(context);
      opened.push(storage);
      return storage;
    },
  });

const postgresTarget = await findPostgres();
const schema = freshSchemaName();
afterAll(async () => {
  if (!postgresTarget.available) return;
  const admin = new pg.Client({ connectionString: postgresTarget.url });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

/** A step that holds a connection of its own (as the Redis rate limiter does), closed by its onClose hook. */
let connectionsClosed = 0;
const holdsAConnection = definePlugin<Record<string, unknown>>({
  name: 'holds-a-connection',
  optionsSchema: { type: 'object' },
  create: (_options, runtime) => {
    runtime.onClose(() => void connectionsClosed++);
    return (_req, _res, next) => next();
  },
});

const failsToBuild = definePlugin<Record<string, unknown>>({
  name: 'fails-to-build',
  optionsSchema: { type: 'object' },
  create: () => {
    throw new Error('fails-to-build: cannot reach its service');
  },
});

const plugins = [
  ...builtInPlugins,
  kept('kept-sqlite', (context) => sqlite({}).open(context)),
  kept('kept-postgres', (context) => (postgresTarget.available ? postgres({ url: postgresTarget.url, schema }).open(context) : Promise.reject(new Error('no PostgreSQL')))),
  holdsAConnection,
  failsToBuild,
] as PluginFactory<unknown, unknown>[];

/** createGateway with `storage`, failing at its second step's build. */
function failingStart(storage: string): Promise<unknown> {
  const config = { server: { data_dir: dataDir }, storage: { use: storage }, providers: { mock: {} }, chain: ['holds-a-connection', 'fails-to-build', 'route', 'adapter'] };
  return createGateway(config, { plugins, logger: createLogger({ level: 'silent' }) });
}

describe('createGateway that fails after the storage opened', () => {
  it('closes the SQLite storage (its worker thread) and the steps built so far before it rethrows', async () => {
    opened.length = 0;
    connectionsClosed = 0;
    await expect(failingStart('kept-sqlite')).rejects.toThrow('fails-to-build: cannot reach its service');
    expect(opened).toHaveLength(1);
    // The worker's client is closed: its thread was told to end, and no call reaches it any more.
    await expect(opened[0]!.keys.get('key_1')).rejects.toThrow('The database connection is not open');
    expect(connectionsClosed).toBe(1);
  });

  it.skipIf(!postgresTarget.available)('closes the PostgreSQL storage (its pool) before it rethrows', async () => {
    opened.length = 0;
    connectionsClosed = 0;
    await expect(failingStart('kept-postgres')).rejects.toThrow('fails-to-build: cannot reach its service');
    expect(opened).toHaveLength(1);
    await expect(opened[0]!.keys.get('key_1')).rejects.toMatchObject({ cause: expect.objectContaining({ message: expect.stringContaining('Cannot use a pool after calling end') }) });
    expect(connectionsClosed).toBe(1);
  });
});
