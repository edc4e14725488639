import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * Each example's README ends with its own test command, `npx vitest run examples/<name>`.
 * That command, and `npm test` (CI), must run every test file of the example; and a reader
 * who runs `npx vitest run` inside the example's folder got a startup error instead
 * ("Failed to load custom Reporter from ./test/support/summary-reporter.ts": vitest finds
 * the root config from there but read the reporter's path from the current folder).
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');

function vitestIn(cwd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [vitest, ...args], { cwd, env: { ...process.env, CI: '', FORCE_COLOR: '0' } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

function testFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => path.join(folder, file));
}

const examples = readdirSync(path.join(root, 'examples'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(path.join(root, 'examples', entry.name, 'README.md')))
  .map((entry) => entry.name);

describe("the examples' own tests", () => {
  it.each(examples)("examples/%s: its README's test command is run by the root test command, every file of it", async (example) => {
    const readme = readFileSync(path.join(root, 'examples', example, 'README.md'), 'utf8');
    expect(readme).toContain(`npx vitest run examples/${example}\n`);
    const own = testFiles(path.join(root, 'examples', example, 'test')).map((file) => path.relative(root, file));
    expect(own.length).toBeGreaterThan(0);
    // What `npx vitest run examples/<name>` (and so `npm test`) collects: the root config's include.
    const listed = await vitestIn(root, ['list', '--filesOnly', `examples/${example}`]);
    expect(listed.code, listed.output).toBe(0);
    expect(listed.output.split('\n').filter((line) => line.endsWith('.test.ts')).sort()).toEqual(own.sort());
  }, 60_000);

  it("runs from inside an example's folder too", async () => {
    const result = await vitestIn(path.join(root, 'examples', 'custom-provider'), ['run', 'test/create-ndjson-framer.test.ts']);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/Tests: [1-9]\d* passed, 0 failed/);
  }, 60_000);

  it('read the wire fixtures through @switchyard/testing, which SWITCHYARD_FIXTURES_DIR redirects', () => {
    // A path of its own (`new URL('../../../../shared/fixtures/…')`) failed with ENOENT in a clone
    // whose fixtures are not beside it, with SWITCHYARD_FIXTURES_DIR set as packages/testing says.
    const folders = [path.join(root, 'test'), ...['packages', 'plugins', 'examples'].flatMap((group) => readdirSync(path.join(root, group)).map((name) => path.join(root, group, name, 'test')))];
    const own = folders.flatMap(testFiles).filter((file) => file !== fileURLToPath(import.meta.url) && /shared\/fixtures/.test(readFileSync(file, 'utf8'))).map((file) => path.relative(root, file));
    expect(own).toEqual([]);
  });
});
