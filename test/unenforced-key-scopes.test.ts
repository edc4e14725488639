import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestGateway } from './support/start-test-gateway.js';

/**
 * A chain written out without `key-scope` (or `rate-limit`) still serves virtual keys,
 * and the admin API still takes their scopes: a key limited to `openai/*`, the
 * embeddings endpoint and a $0 budget answered a mock/echo chat with 200. The gateway
 * must say at start which parts of a key's scope its chain leaves unenforced.
 */
describe('a chain with virtual keys but no key-scope or rate-limit step', () => {
  const dataDirs: string[] = [];
  afterAll(async () => {
    for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
  });

  const warningsOf = async (chain: unknown[] | undefined) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-unenforced-'));
    dataDirs.push(dataDir);
    const gateway = await startTestGateway({ providers: { mock: {} }, storage: { use: 'sqlite' }, server: { data_dir: dataDir }, ...(chain && { chain }) });
    await gateway.close();
    return gateway.logLines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.level === 40 && /scope/.test(line.msg)).map((line) => line.msg);
  };

  it('warns at start that models, endpoints, max_tokens and budgets (key-scope) and rpm/tpm (rate-limit) are not enforced', async () => {
    const [warning, ...more] = await warningsOf(['auth', 'route', 'adapter']);
    expect(more).toEqual([]);
    expect(warning).toMatch(/key-scope/);
    expect(warning).toMatch(/models, endpoints, max_tokens and budgets/);
    expect(warning).toMatch(/rate-limit/);
  });

  it('names only the missing step', async () => {
    const [warning] = await warningsOf(['auth', 'key-scope', 'route', 'adapter']);
    expect(warning).toMatch(/rate-limit/);
    expect(warning).not.toMatch(/key-scope/);
  });

  it('says nothing with the default chain', async () => {
    expect(await warningsOf(undefined)).toEqual([]);
  });
});
