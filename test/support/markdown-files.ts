import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every page a reader is sent to, relative to the root: README.md, docs/*.md and each example's, package's and plugin's README. */
export function markdownFiles(): string[] {
  const readmes = (folder: string) =>
    readdirSync(path.join(repoRoot, folder))
      .map((name) => path.join(folder, name, 'README.md'))
      .filter((file) => existsSync(path.join(repoRoot, file)));
  const docs = readdirSync(path.join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join('docs', name));
  return ['README.md', ...docs, ...readmes('examples'), ...readmes('packages'), ...readmes('plugins')];
}
