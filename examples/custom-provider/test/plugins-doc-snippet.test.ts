import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll } from 'vitest';

/*
 * docs/plugins.md's "Testing a plugin" block, run as written against this example: the
 * provider and mock it imports are this package's. Its stop-sequence reader read `stop`,
 * where Acme's body has `halt`, so the suite failed "passes stop sequences on" for a
 * plugin author who pasted it.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const page = readFileSync(path.join(here, '../../../docs/plugins.md'), 'utf8');
const snippet = [...page.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]!).find((code) => code.includes('testProviderAdapter('));
if (!snippet) throw new Error('docs/plugins.md has no testProviderAdapter block');
const code = snippet
  .replace("'../src/index.js'", JSON.stringify(pathToFileURL(path.join(here, '../src/index.ts')).href))
  .replace("'./mock-acme/start-mock-acme.js'", JSON.stringify(pathToFileURL(path.join(here, 'mock-acme/start-mock-acme.ts')).href));
const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-plugins-doc-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const file = path.join(folder, 'conformance.ts');
writeFileSync(file, code);
await import(pathToFileURL(file).href);
