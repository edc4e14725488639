import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builtInPlugins } from '@switchyard/cli';
import { createGateway, createLogger, definePlugin, defineStorage, type PluginFactory, type StorageSet } from '@switchyard/core';
import { openSqliteStorage } from '@switchyard/store-sqlite';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * An app embedding the gateway awaits gateway.close() on its shutdown. The drain was bounded, but
 * a third-party plugin's close hook (runtime.onClose) and the storage's close were awaited for as
 * long as they took: one that never settled hung the app's shutdown for good, and one that threw
 * skipped every part after it (the last usage flush, the stores). `switchyard start` has its own
 * backstop; the embedded API had none.
 */

const masterKey = 'sy-master-close-stuck-0123456789';
let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'switchyard-close-stuck-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** A step whose close hook does what it is told, and says when it ran. */
function stepClosing(name: string, close: () => Promise<void>, events: string[]): PluginFactory<unknown, unknown> {
  return definePlugin({
    name,
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    create: (_options, runtime) => {
      runtime.onClose(() => {
        events.push(`${name} closing`);
        return close();
      });
      return (_req, _res, next) => next();
    },
  }) as PluginFactory<unknown, unknown>;
}

/** SQLite whose close never settles once the stores are closed; says when the ledger is written and closed. */
function storeNeverClosing(events: string[]): PluginFactory<unknown, unknown> {
  return defineStorage({
    name: 'never-closing',
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    create: async (_options, context): Promise<StorageSet> => {
      const storage = await openSqliteStorage({ file: path.join(context.dataDir, 'gateway.db'), logger: context.logger });
      const ledger = storage.ledger;
      const keys = storage.keys;
      return {
        ...storage,
        ledger: new Proxy(ledger, {
          get: (target, name) =>
            name === 'append'
              ? async (records: unknown[]) => {
                  events.push(`ledger written (${records.length})`);
                  return target.append(records as Parameters<typeof target.append>[0]);
                }
              : Reflect.get(target, name),
        }),
        keys: new Proxy(keys, {
          get: (target, name) =>
            name === 'close'
              ? async () => {
                  events.push('storage closing');
                  await target.close();
                  await new Promise<void>(() => undefined);
                }
              : Reflect.get(target, name),
        }),
      };
    },
  }) as PluginFactory<unknown, unknown>;
}

describe('gateway.close() with a plugin or a storage whose close never ends or throws', () => {
  it('gives each up after the shutdown timeout (at least 1 s), names it in one line, and closes the rest: the last usage flush before the storage', async () => {
    const events: string[] = [];
    const lines: Array<{ msg: string; plugin?: string; storage?: string }> = [];
    const logger = createLogger({ level: 'error', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
    const plugins = [
      ...builtInPlugins,
      stepClosing('closes-fine', async () => undefined, events),
      stepClosing('never-closes', () => new Promise<void>(() => undefined), events),
      stepClosing('throws-on-close', async () => Promise.reject(new Error('cannot close')), events),
      storeNeverClosing(events),
    ];
    const gateway = await createGateway(
      {
        master_key: masterKey,
        server: { shutdown_timeout_ms: 0, data_dir: await mkdtemp(path.join(folder, 'data-')) },
        providers: { mock: { models: ['echo'] } },
        storage: { use: 'never-closing' },
        // Only close()'s last flush writes the request's record.
        usage: { flush_interval_ms: 60_000 },
        chain: ['auth', 'closes-fine', 'never-closes', 'throws-on-close', 'route', 'adapter'],
      },
      { plugins, logger },
    );
    const app = express();
    app.use(gateway.router);
    const answer = await request(app)
      .post('/v1/chat/completions')
      .set('authorization', `Bearer ${masterKey}`)
      .send({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.status).toBe(200);

    await gateway.close();

    // Hooks run last-registered first; the one that never closes does not stop the one before it.
    expect(events).toEqual(['throws-on-close closing', 'never-closes closing', 'closes-fine closing', 'ledger written (1)', 'storage closing']);
    expect(lines.map(({ msg, plugin, storage }) => ({ msg, plugin, storage }))).toEqual([
      { msg: 'plugin throws-on-close failed to close: closing the rest', plugin: 'throws-on-close', storage: undefined },
      { msg: 'plugin never-closes did not close within 1000 ms: left behind, closing the rest', plugin: 'never-closes', storage: undefined },
      { msg: 'storage never-closing did not close within 1000 ms: left behind, closing the rest', plugin: undefined, storage: 'never-closing' },
    ]);
  }, 15_000);
});
