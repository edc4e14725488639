import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * `switchyard usage --help` takes --key ID (one key's spend), but the one-line summaries
 * a reader meets first, `switchyard --help` and packages/cli/README.md's usage block,
 * left it out. The connection flags every admin command shares (--url,
 * --master-key-file, --json) are said once beside them, not on each line.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'packages/cli/dist/bin.js');
const shared = new Set(['--url', '--master-key-file', '--json', '--help']);

function help(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile(process.execPath, [cli, ...args], (error, stdout) => (error ? reject(error) : resolve(stdout))));
}

const flags = (text: string) => new Set([...text.matchAll(/--[a-z][a-z-]*/g)].map((match) => match[0]).filter((flag) => !shared.has(flag)));

describe('the usage command summarised', () => {
  it("switchyard --help and packages/cli/README.md's usage block name every flag of switchyard usage --help", async () => {
    const own = flags(await help(['usage', '--help']));
    expect(own.size).toBeGreaterThan(3);
    const topLevel = /^ {2}usage\b[\s\S]*?(?=^ {2}\S|^$)/m.exec(await help(['--help']))?.[0] ?? '';
    const readmeBlock = /^```\n([\s\S]*?)^```$/m.exec(readFileSync(path.join(root, 'packages/cli/README.md'), 'utf8'))?.[1] ?? '';
    const readmeLine = /^switchyard usage\b.*$/m.exec(readmeBlock)?.[0] ?? '';
    expect([...own].filter((flag) => !flags(topLevel).has(flag)), 'switchyard --help').toEqual([]);
    expect([...own].filter((flag) => !flags(readmeLine).has(flag)), 'packages/cli/README.md').toEqual([]);
  });
});
