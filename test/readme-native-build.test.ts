import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * README.md's "Start here" promised `npm ci && npm start` on any machine with Node. `npm ci`
 * fetches a prebuilt better-sqlite3 binary; where none matches the platform or Node, or the
 * download is blocked, it compiles the module from source. On a fresh clone with no prebuilt
 * binary in reach that took six minutes and needs python3, make and g++: without them
 * `npm ci` fails in node-gyp, and the README said nothing of it. The Dockerfile's build
 * stage installs that toolchain for the same reason; the README names the same packages.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const startHere = readme.slice(readme.indexOf('## Start here'), readme.indexOf('\n## ', readme.indexOf('## Start here') + 1));
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');

describe("README.md's Start here and the native SQLite module", () => {
  it('names every package the Dockerfile installs to compile it', () => {
    const toolchain = /apt-get install -y --no-install-recommends ([^\n\\&]+)/.exec(dockerfile)?.[1]?.trim().split(/\s+/) ?? [];
    expect(toolchain.length).toBeGreaterThan(0);
    expect(startHere).toMatch(/better-sqlite3/);
    for (const name of toolchain) expect(startHere, name).toContain(name);
  });

  it('the package that needs it is a dependency of the SQLite store', () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'plugins/store-sqlite/package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(Object.keys(manifest.dependencies ?? {})).toContain('better-sqlite3');
  });
});
