import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPluginFactory } from '@switchyard/core';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const plugins = readdirSync(path.join(root, 'plugins'));
const packages = readdirSync(path.join(root, 'packages'));

describe('house conventions', () => {
  it.each([...packages.map((name) => ['packages', name]), ...plugins.map((name) => ['plugins', name])])(
    '%s/%s is named after its folder and has a README',
    (group, folder) => {
      const manifest = JSON.parse(readFileSync(path.join(root, group, folder, 'package.json'), 'utf8')) as { name: string; engines?: { node?: string } };
      expect(manifest.name).toBe(`@switchyard/${folder}`);
      expect(manifest.engines?.node).toBe('>=20.18.1');
      expect(existsSync(path.join(root, group, folder, 'README.md'))).toBe(true);
    },
  );

  it.each(plugins)('plugins/%s exports a plugin made with definePlugin/defineProvider/defineStorage, with an options schema and a documented example', async (folder) => {
    const module = (await import(`@switchyard/${folder}`)) as { default: unknown };
    expect(isPluginFactory(module.default)).toBe(true);
    const factory = module.default as { pluginName: string; kind: string; optionsSchema: Record<string, unknown> };
    expect(factory.optionsSchema['type']).toBe('object');
    const prefix = { provider: 'provider-', step: 'policy-', storage: 'store-' }[factory.kind as 'provider' | 'step' | 'storage'];
    expect(folder.startsWith(prefix)).toBe(true);
    const readme = readFileSync(path.join(root, 'plugins', folder, 'README.md'), 'utf8');
    expect(readme).toMatch(/^## Options$/m);
    expect(readme).toMatch(/^## Example$/m);
    expect(readme).toMatch(/```yaml/);
  });
});
