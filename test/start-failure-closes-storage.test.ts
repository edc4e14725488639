import { builtInPlugins } from '@switchyard/cli';
import { createGateway, createLogger, definePlugin, defineStorage, type PluginFactory, type StorageSet } from '@switchyard/core';
import sqlite from '@switchyard/store-sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

/** The SQLite storage, keeping each StorageSet it opens for the test to look at afterwards. */
const opened: StorageSet[] = [];
const keptSqlite = defineStorage<Record<string, unknown>>({
  name: 'kept-sqlite',
  optionsSchema: { type: 'object' },
  create: async (_options, context) => {
    const storage = await sqlite({}).open(context);
    opened.push(storage);
    return storage;
  },
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

const plugins = [...builtInPlugins, keptSqlite, holdsAConnection, failsToBuild] as PluginFactory<unknown, unknown>[];

describe('createGateway that fails after the storage opened', () => {
  it('closes the storage and the steps built so far before it rethrows', async () => {
    const config = { server: { data_dir: dataDir }, storage: { use: 'kept-sqlite' }, providers: { mock: {} }, chain: ['holds-a-connection', 'fails-to-build', 'route', 'adapter'] };
    await expect(createGateway(config, { plugins, logger: createLogger({ level: 'silent' }) })).rejects.toThrow('fails-to-build: cannot reach its service');
    expect(opened).toHaveLength(1);
    // The worker's client is closed: its thread was told to end, and no call reaches it any more.
    await expect(opened[0]!.keys.get('key_1')).rejects.toThrow('The database connection is not open');
    expect(connectionsClosed).toBe(1);
  });
});
