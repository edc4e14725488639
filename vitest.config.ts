import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = path.dirname(fileURLToPath(import.meta.url));

/**
 * Tests import every workspace package from its TypeScript source, so one test run
 * sees one copy of each module (a GatewayError is the same class everywhere) and
 * no build is needed between an edit and a test. Spawned CLI processes use dist/.
 */
function workspaceAliases(): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const group of ['packages', 'plugins']) {
    for (const folder of readdirSync(path.join(root, group))) {
      const manifest = path.join(root, group, folder, 'package.json');
      const source = path.join(root, group, folder, 'src', 'index.ts');
      if (!existsSync(manifest) || !existsSync(source)) continue;
      const { name, exports } = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string; exports?: Record<string, unknown> };
      // Subpath entries (`@switchyard/core/store-helpers` → src/store-helpers.ts) first: an alias also matches as a prefix.
      for (const subpath of Object.keys(exports ?? {})) {
        const subSource = path.join(root, group, folder, 'src', `${subpath.slice(2)}.ts`);
        if (subpath !== '.' && existsSync(subSource)) aliases[`${name}/${subpath.slice(2)}`] = subSource;
      }
      aliases[name] = source;
    }
  }
  return aliases;
}

export default defineConfig({
  resolve: { alias: workspaceAliases() },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'plugins/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    reporters: ['default', path.join(root, 'test/support/summary-reporter.ts')],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
