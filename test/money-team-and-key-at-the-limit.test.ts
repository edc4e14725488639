import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { budgetStoreCases } from './support/budget-store-cases.js';

const epoch = new Date(0).toISOString();
const cases = await budgetStoreCases();

// Input is free and every answer uses all of its max_tokens: each request costs exactly what it holds.
const maxTokens = 100;
const outputPrice = 10; // $ per million tokens: $0.001 a request
const requestCost = (maxTokens * outputPrice) / 1e6;
const teamFits = 30;
const tightKeyFits = 10;
const perKey = 40;

async function createTeamKey(gateway: TestGateway, name: string, limitUsd?: number): Promise<{ id: string; secret: string }> {
  const response = await fetch(`${gateway.origin}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, team: 'research', ...(limitUsd === undefined ? {} : { scope: { budget: { limit_usd: limitUsd, period: 'total' } } }) }),
  });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { key: { id: string }; secret: string };
  return { id: body.key.id, secret: body.secret };
}

describe.each(cases)('a team budget with room for $teamFits requests and a key budget with room for $tightKeyFits, two keys at once ($store, $grantsName)', ({ storage, grants }) => {
  let upstream: MockOpenAI;
  let gateway: TestGateway;

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('serves exactly what both budgets let through: the tight key its own, the team the rest, spending each limit to the micro-dollar', async () => {
    upstream = await startMockOpenAI();
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-money-team-')) },
      providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } },
      prices: { 'openai/gpt-4o-mini': { input: 0, output: outputPrice } },
      storage: storage(),
      chain: ['auth', { 'key-scope': { budget_grants: grants, budgets: { teams: { research: { limit_usd: teamFits * requestCost, period: 'total' } } } } }, 'route', 'adapter'],
      usage: { flush_interval_ms: 20 },
    });
    const tight = await createTeamKey(gateway, 'tight', tightKeyFits * requestCost);
    const open = await createTeamKey(gateway, 'open');
    for (let i = 0; i < 2 * perKey; i++) {
      upstream.enqueue({ reply: { content: 'all of it', usage: { prompt_tokens: 20, completion_tokens: maxTokens } }, delayMs: 20 });
    }
    const send = async (secret: string, i: number) => {
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', max_tokens: maxTokens, messages: [{ role: 'user', content: `request ${i}` }] }),
      });
      const body = (await response.json()) as { error?: { code?: string } };
      return { status: response.status, code: body.error?.code };
    };
    const [tightAnswers, openAnswers] = await Promise.all([
      Promise.all(Array.from({ length: perKey }, (_, i) => send(tight.secret, i))),
      Promise.all(Array.from({ length: perKey }, (_, i) => send(open.secret, i))),
    ]);
    const servedTight = tightAnswers.filter((answer) => answer.status === 200).length;
    const servedOpen = openAnswers.filter((answer) => answer.status === 200).length;
    expect(servedTight).toBeLessThanOrEqual(tightKeyFits);
    expect(servedTight + servedOpen).toBe(teamFits);
    expect([...tightAnswers, ...openAnswers].filter((answer) => answer.status !== 200).every((answer) => answer.status === 429 && answer.code === 'insufficient_quota')).toBe(true);
    expect(upstream.requests).toHaveLength(teamFits);

    const { budgets } = gateway.gateway.runtime.storage!;
    await expect.poll(() => budgets.reserved('team:research', epoch)).toBe(0);
    await expect.poll(() => budgets.reserved(`key:${tight.id}`, epoch)).toBe(0);
    await expect.poll(async () => Math.round((await budgets.spent('team:research', epoch)) * 1e6)).toBe(Math.round(teamFits * requestCost * 1e6));
    expect(Math.round((await budgets.spent(`key:${tight.id}`, epoch)) * 1e6)).toBe(Math.round(servedTight * requestCost * 1e6));
  });
});
