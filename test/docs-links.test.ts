import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { markdownFiles, repoRoot as root } from './support/markdown-files.js';

/*
 * A link to a heading (`docs/plugins.md#42-ingress-plugins`) that names no heading of its
 * file lands a reader at the top of a 700-line page. GitHub makes a heading's anchor by
 * lower-casing it, dropping what is not a letter, digit, space, `-` or `_`, and writing
 * spaces as `-`; a repeated heading gets `-1`, `-2` …
 */

/** The anchors GitHub gives the headings of a markdown file (headings inside code fences are not headings). */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^```/.test(line)) inFence = !inFence;
    const heading = inFence ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

describe('links to a heading', () => {
  it('finds headings as GitHub names them', () => {
    expect([...headingAnchors('# A\n### 4.2 Ingress plugins\n```\n# not one\n```\n## `x-switchyard-*` headers\n## A\n')]).toEqual([
      'a',
      '42-ingress-plugins',
      'x-switchyard--headers',
      'a-1',
    ]);
  });

  it.each(markdownFiles())('%s: every link to a #heading names a heading of its file', (file) => {
    const text = readFileSync(path.join(root, file), 'utf8');
    const broken: string[] = [];
    for (const link of text.matchAll(/\]\(([^)\s#]*)#([^)\s]+)\)/g)) {
      const [whole, target, anchor] = link as unknown as [string, string, string];
      if (/^[a-z]+:/i.test(target)) continue; // another site's page
      const linked = target === '' ? path.join(root, file) : path.resolve(root, path.dirname(file), target);
      if (!existsSync(linked)) broken.push(`${whole}: no such file`);
      else if (!headingAnchors(readFileSync(linked, 'utf8')).has(anchor)) broken.push(`${whole}: no such heading`);
    }
    expect(broken).toEqual([]);
  });
});

describe('links to a file', () => {
  // README.md linked ../shared/ARCHITECTURE.md, a folder beside the author's checkout: in a
  // clone, or on GitHub, the link went nowhere. test-artifacts/ is written by the browser test.
  it.each(markdownFiles())('%s: every relative link names a file of the repository', (file) => {
    const text = readFileSync(path.join(root, file), 'utf8');
    const broken: string[] = [];
    for (const link of text.matchAll(/\]\(([^)\s#]+)(?:#[^)\s]*)?\)/g)) {
      const target = link[1]!;
      if (/^[a-z]+:/i.test(target)) continue; // another site's page
      const inRepository = path.relative(root, path.resolve(root, path.dirname(file), target));
      if (inRepository.startsWith('..')) broken.push(`${link[0]}: outside the repository`);
      else if (!existsSync(path.join(root, inRepository)) && !inRepository.startsWith('test-artifacts')) broken.push(`${link[0]}: no such file`);
    }
    expect(broken).toEqual([]);
  });
});
