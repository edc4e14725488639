import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * docs/embedding.md is followed by someone building an app of their own: what its code
 * imports must be what its `npm install` lines install. Its admin-and-dashboard snippet
 * imported @switchyard/dashboard, which no line of the page installed: copied into an app
 * set up from the page, it stopped with "Cannot find package '@switchyard/dashboard'".
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The fenced blocks of a markdown text (readme.test.ts has the full reader; importing it would run its suites here). */
function extractBlocks(markdown: string): Array<{ lang: string; code: string; line: number }> {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```\s*$/gm)].map((match) => ({
    lang: match[1]!,
    code: match[2]!,
    line: markdown.slice(0, match.index).split('\n').length,
  }));
}

describe('docs/embedding.md', () => {
  const blocks = extractBlocks(readFileSync(path.join(root, 'docs/embedding.md'), 'utf8'));
  const installed = new Set(
    blocks
      .filter((block) => block.lang === 'sh')
      .flatMap((block) => block.code.replace(/\\\n/g, ' ').split('\n'))
      .filter((line) => /^\s*npm install /.test(line))
      .flatMap((line) => [...line.matchAll(/@switchyard\/[a-z0-9-]+/g)].map((match) => match[0])),
  );

  it('installs every @switchyard package its code imports', () => {
    const imported = blocks
      .filter((block) => ['ts', 'js', 'mjs'].includes(block.lang))
      .flatMap((block) => [...block.code.matchAll(/from '(@switchyard\/[a-z0-9-]+)'/g)].map((match) => `line ${block.line}: ${match[1]}`));
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.filter((entry) => !installed.has(entry.slice(entry.indexOf('@'))))).toEqual([]);
  });

  it('names only packages this repository has', () => {
    const names = [...installed].map((name) => name.slice('@switchyard/'.length));
    const missing = names.filter((name) => {
      for (const folder of ['packages', 'plugins']) {
        try {
          const manifest = JSON.parse(readFileSync(path.join(root, folder, name, 'package.json'), 'utf8')) as { name: string };
          if (manifest.name === `@switchyard/${name}`) return false;
        } catch {
          // not in this folder
        }
      }
      return true;
    });
    expect(missing).toEqual([]);
  });
});
