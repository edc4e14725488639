import { describe, expect, it } from 'vitest';
import { builtInPlugins } from '../src/built-in-plugins.js';
import { builtInPackages, loadBuiltInPlugins } from '../src/load-built-in-plugins.js';

const names = (factories: ReadonlyArray<{ kind: string; pluginName: string }>) => factories.map((factory) => `${factory.kind}:${factory.pluginName}`).sort();

describe('loadBuiltInPlugins', () => {
  it('knows every built-in plugin by the kind and name its package gives it', async () => {
    const declared = builtInPackages.flatMap((pkg) => pkg.provides.map((plugin) => `${plugin.kind}:${plugin.name}`));
    const loaded = await Promise.all(builtInPackages.map((pkg) => pkg.load()));
    expect(declared.sort()).toEqual(names(builtInPlugins));
    builtInPackages.forEach((pkg, index) => {
      expect(names(loaded[index]!)).toEqual(pkg.provides.map((plugin) => `${plugin.kind}:${plugin.name}`).sort());
      // The very factories of the eager list, not copies.
      for (const factory of loaded[index]!) expect(builtInPlugins).toContain(factory);
    });
  });

  it('imports only the plugins a config names, with the default chain and SQLite storage', async () => {
    const loaded = await loadBuiltInPlugins({ providers: { main: { use: 'openai', api_key: 'sk-real-0123456789' } } }, {});
    expect(names(loaded)).toEqual(
      ['provider:openai', 'step:auth', 'step:key-scope', 'step:rate-limit', 'step:circuit-breaker', 'step:route', 'storage:sqlite'].sort(),
    );
  });

  it('matches a provider by its id without use:, a step by its chain name and the storage by use:', async () => {
    const loaded = await loadBuiltInPlugins(
      {
        providers: { anthropic: { api_key: 'sk-ant-real-0123456789' } },
        chain: [{ cache: { use: './my-cache.js' } }, 'route', 'adapter'],
        storage: { use: 'postgres', url: 'postgres://localhost/x' },
      },
      {},
    );
    expect(names(loaded)).toEqual(['provider:anthropic', 'step:cache', 'step:route', 'storage:postgres'].sort());
  });

  it('imports every built-in when the config is malformed, so its problems read as before', async () => {
    expect(names(await loadBuiltInPlugins({ providers: 'not an object' }, {}))).toEqual(names(builtInPlugins));
    expect(names(await loadBuiltInPlugins({ providers: { main: { use: '${MISSING_VARIABLE}' } } }, {}))).toEqual(names(builtInPlugins));
  });
});
