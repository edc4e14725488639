import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCaller } from './support/admin-call.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { builtInPlugins } from '@switchyard/cli';
import { createGateway } from '@switchyard/core';

/**
 * Budgets are counted in whole micro-dollars. A limit finer than that was taken and shown
 * as given, but enforced rounded to the nearest micro-dollar: $0.000000001 was a $0 budget,
 * and $0.0000015 let $0.000002 be spent, more than the limit the key showed.
 */
let gateway: TestGateway;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-budget-precision-'));
  gateway = await startTestGateway({ server: { data_dir: dataDir }, providers: { mock: {} }, storage: { use: 'sqlite' } });
});
afterAll(async () => {
  await gateway?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const admin = adminCaller(() => gateway.origin, masterKey);

describe('a key budget limit finer than a micro-dollar', () => {
  it.each([1e-9, 0.0000015, 12.3456789, 0.30000001])('%s USD is refused on create, naming scope.budget.limit_usd', async (limit) => {
    const answer = await admin('POST', '/keys', { name: 'fine-budget', scope: { budget: { limit_usd: limit } } });
    expect({ status: answer.status, code: answer.body['error']?.code, param: answer.body['error']?.param }).toEqual({
      status: 400,
      code: 'invalid_request',
      param: 'scope.budget.limit_usd',
    });
    expect(answer.body['error'].message).toMatch(/micro-dollar/);
  });

  it('is refused on update, and the key keeps its budget', async () => {
    const created = await admin('POST', '/keys', { name: 'budget-update', scope: { budget: { limit_usd: 5, period: 'daily' } } });
    expect(created.status).toBe(201);
    const id = created.body['key'].id as string;
    const answer = await admin('PATCH', `/keys/${id}`, { scope: { budget: { limit_usd: 0.0000015 } } });
    expect({ status: answer.status, param: answer.body['error']?.param }).toEqual({ status: 400, param: 'scope.budget.limit_usd' });
    expect((await admin('GET', `/keys/${id}`)).body['key'].scope.budget).toEqual({ limit_usd: 5, period: 'daily' });
  });

  it.each([0, 0.000001, 0.1, 1.23, 19.999999, 1_000_000_000])('%s USD, a whole number of micro-dollars, is kept exactly', async (limit) => {
    const answer = await admin('POST', '/keys', { name: 'exact-budget', scope: { budget: { limit_usd: limit } } });
    expect(answer.status).toBe(201);
    expect(answer.body['key'].scope.budget.limit_usd).toBe(limit);
  });

  it("a client's float noise (0.1 + 0.2) is the micro-dollar amount it stands for", async () => {
    const answer = await admin('POST', '/keys', { name: 'noisy-budget', scope: { budget: { limit_usd: 0.1 + 0.2 } } });
    expect(answer.status).toBe(201);
    expect(answer.body['key'].scope.budget.limit_usd).toBe(0.3);
  });
});

describe('a team or project budget in the config finer than a micro-dollar', () => {
  it('is refused at start, naming each one', async () => {
    const config = (budgets: unknown) => ({
      master_key: masterKey,
      providers: { mock: {} },
      storage: { use: 'sqlite', path: ':memory:' },
      chain: ['auth', { 'key-scope': { budgets } }, 'route', 'adapter'],
    });
    const refused = createGateway(config({ teams: { 'r/d': { limit_usd: 0.0000015, period: 'daily' } }, projects: { p: { limit_usd: 1e-9, period: 'total' } } }), {
      plugins: builtInPlugins,
    });
    const error = (await refused.then(
      () => undefined,
      (thrown: unknown) => thrown,
    )) as { problems?: Array<{ path: string; message: string }> } | undefined;
    expect(error?.problems?.map((problem) => problem.path)).toEqual(['/chain/1/key-scope/budgets/teams/r~1d/limit_usd', '/chain/1/key-scope/budgets/projects/p/limit_usd']);
    expect(error?.problems?.[0]?.message).toMatch(/whole micro-dollars/);
    const kept = await createGateway(config({ teams: { research: { limit_usd: 0.000001, period: 'daily' } } }), { plugins: builtInPlugins });
    await kept.close();
  });
});
