import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * docs/observability.md has the reader save an SDK setup file and load it with
 * `node --import ./<file>`. It was `otel.js`: in a project whose package.json says
 * "type": "commonjs" (what `npm init -y` writes) or names no type, a .js file is CommonJS
 * and its `import` lines are a SyntaxError before anything is traced.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const doc = readFileSync(path.join(root, 'docs/observability.md'), 'utf8');
/** The block right after a "`name` …:" line, and that name. */
const saved = /^`([\w.-]+)`[^\n]*:\n\n```js\n([\s\S]*?)```$/m.exec(doc);
let folder: string | undefined;

afterAll(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('docs/observability.md: the SDK file loaded with node --import', () => {
  it('is the file every --import in the page names', () => {
    expect(saved, 'a "`name`:" line before a js block').not.toBeNull();
    const imported = [...doc.matchAll(/--import \.\/([\w.-]+)/g)].map((match) => match[1]);
    expect(imported.length).toBeGreaterThan(0);
    expect(new Set(imported)).toEqual(new Set([saved![1]]));
  });

  it('is read as an ES module in a CommonJS project (it gets as far as looking for the SDK, which this folder lacks)', async () => {
    const [, name, code] = saved!;
    folder = await mkdtemp(path.join(tmpdir(), 'switchyard-otel-doc-'));
    await writeFile(path.join(folder, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'commonjs' }));
    await writeFile(path.join(folder, name!), code!);
    const stderr = await new Promise<string>((resolve) =>
      execFile(process.execPath, ['--import', `./${name}`, '-e', ''], { cwd: folder, timeout: 20_000 }, (_error, _stdout, text) => resolve(text)),
    );
    expect(stderr).not.toContain('Cannot use import statement outside a module');
    expect(stderr).toContain("Cannot find package '@opentelemetry/sdk-node'");
  });
});
