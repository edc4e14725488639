import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFixtureJson } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { startLoopbackUpstream, type LoopbackUpstream } from './support/loopback-upstream.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A chat request without `max_tokens` goes to Anthropic with the adapter's own limit:
 * `default_max_tokens` (4,096 unless configured), plus the thinking budget when thinking is on.
 * The budget hold and the tpm charge must cover that limit, not the price's `max_output`
 * (or 8,192 when no price names one). The upstream here writes every token it is allowed,
 * as a model may: each answer's output_tokens is the max_tokens it was sent.
 */
const epoch = new Date(0).toISOString();
let upstream: LoopbackUpstream;
let gateway: TestGateway;
/** The bodies the upstream was sent. */
const sent: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const fixture = readFixtureJson<Record<string, unknown>>('anthropic', 'response.json');
  upstream = await startLoopbackUpstream((_req, body, res) => {
    const request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    sent.push(request);
    const usage = { input_tokens: 10, output_tokens: request['max_tokens'] };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...fixture, model: request['model'], usage }));
  });
  const anthropic = { api_key: 'sk-ant-upstream-test-0123456789abcdef', base_url: upstream.origin };
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-output-limit-')) },
    providers: { anthropic, roomy: { use: 'anthropic', ...anthropic, default_max_tokens: 16_000 } },
    // No built-in price names house-model's max_output: 8,192 tokens were held for it. $100 a million out.
    prices: { 'anthropic/house-model': { input: 1, output: 100 }, 'roomy/house-model': { input: 1, output: 100 } },
    storage: { use: 'sqlite' },
    chain: ['auth', 'key-scope', 'rate-limit', 'route', 'adapter'],
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});
beforeEach(() => {
  sent.length = 0;
});

function chat(secret: string, body: Record<string, unknown>) {
  return fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'Think hard.' }], ...body }),
  });
}

/** What the key spent, once every hold is settled. */
async function settledSpend(keyId: string): Promise<number> {
  const budgets = gateway.gateway.runtime.storage!.budgets;
  await expect.poll(() => budgets.reserved(`key:${keyId}`, epoch)).toBe(0);
  return budgets.spent(`key:${keyId}`, epoch);
}

const thinking = { anthropic: { thinking: { type: 'enabled', budget_tokens: 20_000 } } };

describe('the budget hold covers the max_tokens the Anthropic adapter sends', () => {
  it('a thinking budget with no max_tokens: 24,096 tokens ($2.41) may be written, so a $1 key is refused and nothing is sent', async () => {
    const key = await createBudgetedKey(gateway, 1, 'thinking');
    const response = await chat(key.secret, { model: 'anthropic/house-model', provider_options: thinking });
    const text = await response.text();
    const spent = await settledSpend(key.id);
    console.info(`thinking 20,000, no max_tokens, $1 budget: ${response.status}, sent max_tokens ${sent.map((body) => body['max_tokens']).join(',') || 'none'}, spent $${spent}`);
    expect(spent).toBeLessThanOrEqual(1);
    expect(response.status, text).toBe(429);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'insufficient_quota', param: 'max_tokens' } });
    expect(sent).toHaveLength(0);
  });

  it('the same request under a budget that covers it is sent with max_tokens 24,096 and spends no more than the key has', async () => {
    const key = await createBudgetedKey(gateway, 2.5, 'thinking-fits');
    const response = await chat(key.secret, { model: 'anthropic/house-model', provider_options: thinking });
    expect(response.status, await response.text()).toBe(200);
    expect(sent.map((body) => body['max_tokens'])).toEqual([24_096]);
    const spent = await settledSpend(key.id);
    expect(spent).toBeGreaterThan(2.4);
    expect(spent).toBeLessThanOrEqual(2.5);
  });

  it('a configured default_max_tokens of 16,000 ($1.60) is held, not 8,192 ($0.82): a $1 key is refused', async () => {
    const key = await createBudgetedKey(gateway, 1, 'roomy');
    const response = await chat(key.secret, { model: 'roomy/house-model' });
    const text = await response.text();
    const spent = await settledSpend(key.id);
    expect(spent).toBeLessThanOrEqual(1);
    expect(response.status, text).toBe(429);
    expect(sent).toHaveLength(0);
  });

  it("holds the 4,096 tokens sent, not the model's 64,000: a request that can cost $0.07 fits a $0.50 key", async () => {
    // claude-sonnet-4-5 at its built-in price: $15 a million out, max_output 64,000 ($0.96).
    const key = await createBudgetedKey(gateway, 0.5, 'tight');
    const response = await chat(key.secret, { model: 'anthropic/claude-sonnet-4-5' });
    expect(response.status, await response.text()).toBe(200);
    expect(sent.map((body) => body['max_tokens'])).toEqual([4096]);
    const spent = await settledSpend(key.id);
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(0.5);
  });

  it("a client's own max_tokens is what is held and sent (with thinking inside it)", async () => {
    const key = await createBudgetedKey(gateway, 1, 'own-limit');
    const refused = await chat(key.secret, { model: 'anthropic/house-model', max_tokens: 24_096, provider_options: thinking });
    expect(refused.status, await refused.text()).toBe(429);
    const served = await chat(key.secret, { model: 'anthropic/house-model', max_tokens: 9000, provider_options: { anthropic: { thinking: { type: 'enabled', budget_tokens: 5000 } } } });
    expect(served.status, await served.text()).toBe(200);
    expect(sent.map((body) => body['max_tokens'])).toEqual([9000]);
    expect((await settledSpend(key.id))).toBeLessThanOrEqual(1);
  });

  it('on /v1/messages (the fast path) max_tokens is required, and the thinking budget is inside it: $2.41 is held and refused on a $1 key', async () => {
    const key = await createBudgetedKey(gateway, 1, 'messages');
    const headers = { 'content-type': 'application/json', 'x-api-key': key.secret, 'anthropic-version': '2023-06-01' };
    const message = { model: 'anthropic/house-model', thinking: thinking.anthropic.thinking, messages: [{ role: 'user', content: 'Think hard.' }] };
    const missing = await fetch(`${gateway.baseURL}/messages`, { method: 'POST', headers, body: JSON.stringify(message) });
    expect(missing.status, await missing.text()).toBe(400);
    const response = await fetch(`${gateway.baseURL}/messages`, { method: 'POST', headers, body: JSON.stringify({ ...message, max_tokens: 24_096 }) });
    expect(response.status, await response.text()).toBe(429);
    expect(sent).toHaveLength(0);
    expect((await settledSpend(key.id))).toBe(0);
  });
});

describe('the tpm charge covers the max_tokens the Anthropic adapter sends', () => {
  async function keyWithTpm(tpm: number): Promise<string> {
    const response = await fetch(`${gateway.origin}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `tpm-${tpm}`, scope: { tpm } }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { secret: string }).secret;
  }

  it('a thinking budget of 20,000 with no max_tokens needs over 24,096 tokens: a key of 20,000 tpm refuses it before sending', async () => {
    const secret = await keyWithTpm(20_000);
    const response = await chat(secret, { model: 'anthropic/house-model', provider_options: thinking });
    const text = await response.text();
    expect(response.status, text).toBe(429);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
    expect(JSON.parse(text).error.message).toMatch(/needs about 24\d{3} tokens/);
    expect(sent).toHaveLength(0);
  });

  it('without thinking the 4,096 sent are charged: the x-ratelimit-remaining-tokens header shows them taken', async () => {
    const secret = await keyWithTpm(100_000);
    const response = await chat(secret, { model: 'anthropic/house-model' });
    expect(response.status, await response.text()).toBe(200);
    expect(sent.map((body) => body['max_tokens'])).toEqual([4096]);
    expect(Number(response.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThanOrEqual(100_000 - 4096);
  });
});
