import type { PluginFactory, StoragePlugin } from '@switchyard/core';
import { WorkerKeyChangeChannel } from './key-changes-between-workers.js';

type Factory = PluginFactory<unknown, unknown>;

/**
 * Worker: the plugins, with each storage plugin opening the stores its primary made and migrated
 * (a replacement forked after the SQLite file was moved away must not make an empty one in its
 * place: every key gone, every budget reset), and given the sibling workers' key change channel
 * when the stores have none of their own (SQLite; PostgreSQL keeps its LISTEN/NOTIFY).
 */
export function workerStoragePlugins(plugins: Factory[]): Factory[] {
  return plugins.map((factory) => (factory.kind === 'storage' ? workerStorage(factory) : factory));
}

function workerStorage(factory: Factory): Factory {
  const wrapped = (options?: unknown): StoragePlugin => {
    const plugin = factory(options) as StoragePlugin;
    return {
      ...plugin,
      open: async (context) => {
        const stores = await plugin.open({ ...context, existing: true });
        stores.keyChanges ??= new WorkerKeyChangeChannel();
        return stores;
      },
    };
  };
  return Object.assign(wrapped, { kind: factory.kind, pluginName: factory.pluginName, optionsSchema: factory.optionsSchema });
}
