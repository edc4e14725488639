import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { markdownFiles, repoRoot as root } from './support/markdown-files.js';

/*
 * The docs' tables name the test that proves each row (`test/x.test.ts › a test's title …`).
 * A test renamed or moved left its row naming one that no longer exists: docs/reliability.md
 * named `sqlite-file-faults.test.ts › a file that cannot be opened (its path a folder)` for
 * a test titled "a database path that is a folder …". Each named file must exist, and each
 * title after `›` must be found in it: as written, or as the start of a parameterised title
 * (`%s`, `$name`, `${…}`) with the values filled in. `…` stands for what is left out; a
 * `(note)` after a title, and `›` between a describe and its test, are allowed.
 */

const testPath = /(?:test|packages|plugins|examples)\/[\w./-]+\.test\.ts/;
// Not a glob's tail (`plugins/provider-*/test/x.test.ts`).
const reference = new RegExp(`(?<![\\w*/.-])(${testPath.source})(?:\\s*›\\s*([^|\\n\`]+))?`, 'g');
const placeholder = /%[sdijfo#]|\$\{[^}]*\}|\$[\w.]+/g;

/** Curly quotes as straight ones, and a source's escaped quotes unescaped. */
function plain(text: string): string {
  return text.replace(/[’‘]/g, "'").replace(/\\(['"`\\])/g, '$1');
}

/** The titles a reference names: split at `;`, `…` and `›`, notes in brackets at the end dropped. */
export function namedTitlePieces(titles: string): string[] {
  return titles
    .split(/;\s+/)
    .flatMap((title) => title.split(/\s*(?:…|\.\.\.|›)\s*/))
    .map((piece) => plain(piece.trim()))
    .filter((piece) => piece.length > 0);
}

/** Whether `piece` is part of a title in `source`: as written, or the start of a parameterised one. */
export function foundIn(source: string, piece: string): boolean {
  const text = plain(source);
  const withoutNote = piece.replace(/\s*\([^()]*\)?\s*$/, '').replace(/^[^(]*\)\s*/, '');
  // A piece may keep the placeholder as a title of the file writes it otherwise (`%s` for `${limit}`).
  const generic = text.replace(placeholder, '%s');
  for (const candidate of [piece, withoutNote]) {
    if (candidate.length === 0 || text.includes(candidate) || generic.includes(candidate.replace(placeholder, '%s'))) return true;
  }
  for (const literal of text.matchAll(/(['"`])((?:(?!\1).)*?(?:%[sdijfo#]|\$\{|\$\w)(?:(?!\1).)*)\1/g)) {
    const title = literal[2]!;
    for (let end = title.length; end > 0; end--) {
      const prefix = title.slice(0, end);
      const pattern = prefix
        .split(placeholder)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.+?');
      // The title's own words must be most of the piece: a bare `${dir}` matches anything.
      const ownWords = prefix.replace(placeholder, '').length;
      if (!prefix.match(placeholder) || ownWords < Math.max(8, piece.length / 2)) continue;
      if (new RegExp(`^${pattern}$`).test(piece) || new RegExp(`^${pattern}$`).test(withoutNote)) return true;
    }
  }
  return false;
}

describe('test references in the docs', () => {
  it('finds a title as written, parameterised, or cut with …', () => {
    const source = "it('a database path that is a folder: one line'); it.each(x)('40 concurrent $name prompts against', …); it('the plugin’s own')";
    expect(foundIn(source, 'a database path that is a folder')).toBe(true);
    expect(foundIn(source, "40 concurrent 'Chinese' prompts")).toBe(true);
    expect(foundIn(source, "the plugin's own")).toBe(true);
    expect(foundIn(source, 'a file that cannot be opened (its path a folder)')).toBe(false);
    expect(namedTitlePieces('deleted: …; deleted for good: … (both threads)')).toEqual(['deleted:', 'deleted for good:', '(both threads)']);
  });

  it.each(markdownFiles())('%s: every test it names exists, with the title it gives', (file) => {
    const text = readFileSync(path.join(root, file), 'utf8');
    const broken: string[] = [];
    for (const match of text.matchAll(reference)) {
      const [, named, titles] = match as unknown as [string, string, string | undefined];
      // An example's README names its own tests from its folder.
      const besideDoc = path.join(path.dirname(file), named);
      const testFile = existsSync(path.join(root, besideDoc)) ? besideDoc : named;
      if (!existsSync(path.join(root, testFile))) {
        broken.push(`${testFile}: no such file`);
        continue;
      }
      if (titles === undefined) continue;
      const source = readFileSync(path.join(root, testFile), 'utf8');
      // Titles run to the next file or package named in the same cell (`packages/testing store conformance › …`).
      const own = titles.split(/;\s*(?=[\w@-]+\/)/)[0]!;
      for (const piece of namedTitlePieces(own)) if (!foundIn(source, piece)) broken.push(`${testFile} › ${piece}`);
    }
    expect(broken).toEqual([]);
  });
});
