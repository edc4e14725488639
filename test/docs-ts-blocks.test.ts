import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { markdownFiles, repoRoot as root } from './support/markdown-files.js';

/*
 * The ```ts blocks of the docs and READMEs, type-checked against the built packages with the
 * repository's compiler settings, as a reader who pastes one into a TypeScript project gets
 * them. Most blocks are fragments: they use an `app`, a `gateway` or names their page defines
 * elsewhere (`geminiDialect`, `AcmeOptions`). What the fragment leaves to its surroundings is
 * not held against it (an undefined name, a parameter without a type, a module that is not a
 * @switchyard package); everything it says about Switchyard's own API is. docs/plugins.md's
 * ingress plugin, `defineIngress({ … create: (options) => … options.base_path … })`, read a
 * property of `unknown` (no options type given): pasted into a .ts file it did not compile.
 */

/** Errors that only say the fragment stands in a page: names, parameter types and third-party modules defined elsewhere. */
const leftToSurroundings = new Set([
  2304, // Cannot find name
  2552, // Cannot find name … Did you mean
  18004, // No value exists in scope for the shorthand property
  7006, // Parameter implicitly has an 'any' type
  7031, // Binding element implicitly has an 'any' type
]);

interface Block {
  doc: string;
  line: number;
  code: string;
}

function tsBlocks(): Block[] {
  return markdownFiles().flatMap((doc) => {
    const text = readFileSync(path.join(root, doc), 'utf8');
    return [...text.matchAll(/^```ts\n([\s\S]*?)^```\s*$/gm)].map((match) => ({ doc, line: text.slice(0, match.index).split('\n').length, code: match[1]! }));
  });
}

/** The block as a module: a method written alone (`create(options, runtime) { … }`) inside an object, and the page's usual `app`, `gateway` and steps declared when it does not make its own. */
function asModule(code: string): { text: string; offset: number } {
  const method = /^[A-Za-z_]\w*\(/.test(code);
  const body = method ? `const fragment = {\n${code}};\n` : code;
  const prelude = [
    "import type { Express as PageExpress } from 'express';",
    "import type { Gateway as PageGateway, SwitchyardSteps as PageSteps } from '@switchyard/core';",
    ...(/\b(const|let) app\b/.test(code) ? [] : ['declare const app: PageExpress;']),
    ...(/\b(const|let) gateway\b/.test(code) ? [] : ['declare const gateway: PageGateway;']),
    ...(/\b(const|let) switchyard\b/.test(code) ? [] : ['declare const switchyard: PageSteps;']),
  ];
  return { text: `${prelude.join('\n')}\n${body}\nexport {};\n`, offset: prelude.length + (method ? 1 : 0) };
}

describe('the ```ts blocks of the docs', () => {
  it('type-check against the built packages, but for what each fragment leaves to its page', async () => {
    const blocks = tsBlocks();
    expect(blocks.length).toBeGreaterThan(20);
    await mkdir(path.join(root, 'node_modules/.cache'), { recursive: true });
    // Inside the repository, so `@switchyard/core`, `express` and `openai` resolve as in an app that installed them.
    const folder = await mkdtemp(path.join(root, 'node_modules/.cache/switchyard-docs-ts-'));
    try {
      const files = new Map<string, { block: Block; offset: number }>();
      for (const [index, block] of blocks.entries()) {
        const file = path.join(folder, `block-${index}.mts`);
        const module = asModule(block.code);
        await writeFile(file, module.text);
        files.set(file, { block, offset: module.offset });
      }
      const program = ts.createProgram([...files.keys()], {
        target: ts.ScriptTarget.ES2023,
        lib: ['lib.es2023.d.ts'],
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        strict: true,
        noUncheckedIndexedAccess: true,
        esModuleInterop: true,
        skipLibCheck: true,
        types: ['node'],
        noEmit: true,
      });
      const problems = ts
        .getPreEmitDiagnostics(program)
        .filter((diagnostic) => diagnostic.file && files.has(path.resolve(diagnostic.file.fileName)))
        .filter((diagnostic) => !leftToSurroundings.has(diagnostic.code))
        .filter((diagnostic) => {
          const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
          // A module the page does not install (`@openai/agents`, a plugin's own `../src/index.js`); never a @switchyard one.
          return !(diagnostic.code === 2307 && !message.includes("'@switchyard/"));
        })
        .map((diagnostic) => {
          const { block, offset } = files.get(path.resolve(diagnostic.file!.fileName))!;
          const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
          return `${block.doc}:${block.line + 1 + line - offset} TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
        });
      expect(problems).toEqual([]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 120_000);
});
