import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
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

describe("docs/embedding.md's admin and dashboard snippet", () => {
  // It used `masterKey` and `logger` and defined neither: pasted below a gateway set up as the
  // page and the README set one up (`gateway`, `app`), it stopped with
  // "ReferenceError: masterKey is not defined". It runs now, and the admin API answers.
  it('runs below a gateway and an app, and serves /admin with the master key', async () => {
    const doc = readFileSync(path.join(root, 'docs/embedding.md'), 'utf8');
    const block = extractBlocks(doc).find((candidate) => candidate.lang === 'ts' && candidate.code.includes('createAdminRouter('));
    expect(block).toBeDefined();
    const imports = block!.code.split('\n').filter((line) => line.startsWith('import '));
    const body = block!.code.split('\n').filter((line) => !line.startsWith('import ')).join('\n');
    const prelude = [
      "import express from 'express';",
      "import { createGateway } from '@switchyard/core';",
      ...imports,
      "const gateway = await createGateway({ master_key: process.env.SWITCHYARD_MASTER_KEY, storage: { use: 'sqlite' }, providers: { mock: {} } });",
      'const app = express();',
      "app.use('/ai', gateway.router);",
    ].join('\n');
    const check = [
      'const server = app.listen(0, "127.0.0.1");',
      "await new Promise((resolve) => server.once('listening', resolve));",
      "const answer = await fetch(`http://127.0.0.1:${server.address().port}/admin/keys`, { headers: { authorization: `Bearer ${process.env.SWITCHYARD_MASTER_KEY}` } });",
      'console.log(`status ${answer.status}`);',
      'server.close();',
      'await gateway.close();',
    ].join('\n');
    const javascript = ts.transpileModule(`${prelude}\n${body}\n${check}\n`, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    await mkdir(path.join(root, 'node_modules/.cache'), { recursive: true });
    const folder = await mkdtemp(path.join(root, 'node_modules/.cache/switchyard-embedding-admin-'));
    try {
      await writeFile(path.join(folder, 'app.mjs'), javascript);
      const result = await new Promise<{ code: number; output: string }>((resolve) =>
        execFile(
          process.execPath,
          [path.join(folder, 'app.mjs')],
          { cwd: folder, env: { ...process.env, SWITCHYARD_MASTER_KEY: 'sy-master-docs-test-0123456789abcdef' }, timeout: 30_000 },
          (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr }),
        ),
      );
      expect(result.output).not.toMatch(/ReferenceError/);
      expect(result.code, result.output).toBe(0);
      expect(result.output).toContain('status 200');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 60_000);
});
