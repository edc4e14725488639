import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { MockUpstream } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerMocks } from './support/provider-mocks.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/*
 * The SDK snippets of docs/anthropic-messages.md and docs/responses-api.md, run as written
 * (the gateway's address rewritten to a test gateway's, the key given as SWITCHYARD_KEY as
 * the docs say) with the official clients, against a gateway whose `openai` and `anthropic`
 * providers are mock upstreams speaking their real wire formats. The Anthropic one ran
 * without a word: it made the call and printed nothing, so a reader could not tell an
 * answer from a silent success of nothing.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The first ```ts block of a doc whose text contains `marker`. */
function snippet(doc: string, marker: string): string {
  const blocks = [...readFileSync(path.join(root, doc), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```\s*$/gm)].map((match) => match[1]!);
  const block = blocks.find((code) => code.includes(marker));
  expect(block, `${doc}: a ts block with ${marker}`).toBeDefined();
  return block!;
}

describe('the docs’ SDK snippets run as written', () => {
  let openai: MockUpstream<string>;
  let anthropic: MockUpstream<string>;
  let gateway: TestGateway;
  let folder: string;

  beforeAll(async () => {
    openai = await providerMocks.openai.start();
    anthropic = await providerMocks.anthropic.start();
    gateway = await startTestGateway({
      providers: { openai: providerMocks.openai.options(openai.url), anthropic: providerMocks.anthropic.options(anthropic.url) },
    });
    // Under the repository so `openai` and `@anthropic-ai/sdk` resolve as in a project that installed them.
    await mkdir(path.join(root, 'node_modules/.cache'), { recursive: true });
    folder = await mkdtemp(path.join(root, 'node_modules/.cache/switchyard-sdk-snippets-'));
  });

  afterAll(async () => {
    await gateway?.close();
    await openai?.close();
    await anthropic?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  async function run(code: string, name: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const file = path.join(folder, `${name}.mjs`);
    const javascript = ts.transpileModule(code.replaceAll('http://127.0.0.1:4000', gateway.origin), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    await writeFile(file, javascript);
    return new Promise((resolve) => {
      execFile(process.execPath, [file], { env: { ...process.env, SWITCHYARD_KEY: masterKey }, timeout: 30_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });
  }

  it('docs/anthropic-messages.md: the Anthropic SDK gets an answer and prints it', async () => {
    const result = await run(snippet('docs/anthropic-messages.md', "from '@anthropic-ai/sdk'"), 'anthropic');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).not.toBe('');
    expect(openai.requests.length).toBeGreaterThan(0);
  }, 60_000);

  it('docs/responses-api.md: client.responses gets an answer and prints it', async () => {
    const result = await run(snippet('docs/responses-api.md', 'client.responses.create'), 'responses');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).not.toBe('');
    expect(anthropic.requests.length).toBeGreaterThan(0);
  }, 60_000);
});
