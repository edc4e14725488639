import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * README.md's package table is where a reader learns what to install. It had lost
 * @switchyard/dashboard (which docs/embedding.md imports) and @switchyard/redis-connection.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `| [`@switchyard/x`](folder) | what |` rows: package name → linked folder. */
function packageTable(readme: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const row of readme.matchAll(/^\| \[`(@switchyard\/[a-z0-9-]+)`\]\(([^)]+)\) \|/gm)) rows.set(row[1]!, row[2]!);
  return rows;
}

describe("README.md's package table", () => {
  const rows = packageTable(readFileSync(path.join(root, 'README.md'), 'utf8'));
  const workspaces = ['packages', 'plugins'].flatMap((group) =>
    readdirSync(path.join(root, group)).map((folder) => ({
      folder: `${group}/${folder}`,
      name: (JSON.parse(readFileSync(path.join(root, group, folder, 'package.json'), 'utf8')) as { name: string }).name,
    })),
  );

  it('lists every package of packages/ and plugins/, linked to its folder', () => {
    const missing = workspaces.filter(({ name, folder }) => rows.get(name) !== folder).map(({ name, folder }) => `${name} (${folder})`);
    expect(missing).toEqual([]);
  });

  it('lists no package that does not exist', () => {
    const names = new Set(workspaces.map(({ name }) => name));
    expect([...rows.keys()].filter((name) => !names.has(name))).toEqual([]);
  });
});
