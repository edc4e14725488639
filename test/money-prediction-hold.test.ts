import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockAnthropic, startMockOpenAI, type MockAnthropic, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// OpenAI's predicted outputs (`prediction: {type: "content", content}`): the prediction's
// tokens that the answer does not use are billed as completion tokens
// (`completion_tokens_details.rejected_prediction_tokens`), on top of what the model
// writes. The field is not one the gateway knows, so it travels in provider_options and
// the hold counted its text as prompt, at the input rate: 40,000 characters of prediction
// with max_tokens 10 held $0.01 of a $0.05 budget, and the call was billed $0.10. The hold
// now counts a prediction's text as output too.

const epoch = new Date(0).toISOString();
let openai: MockOpenAI;
const gateways: TestGateway[] = [];

beforeAll(async () => {
  openai = await startMockOpenAI();
});
afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await openai.close();
});

const prediction = 'the quick brown fox jumps over the lazy dog '.repeat(910); // ~40,000 characters, ~10,000 tokens

describe.each([true, false])('a prediction on a budgeted key (server.fast_path %s)', (fastPath) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-prediction-hold-')), fast_path: fastPath },
      providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: openai.url } },
      prices: { 'openai/gpt-4o-mini': { input: 1, output: 10 } },
      storage: { use: 'sqlite' },
      usage: { flush_interval_ms: 20 },
    });
    gateways.push(gateway);
  });

  async function ask(secret: string, body: Record<string, unknown>): Promise<Response> {
    return fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'Rewrite this.' }], ...body }),
    });
  }

  it.each([
    ['a top-level prediction', { prediction: { type: 'content', content: prediction } }],
    ['a prediction of text parts in provider_options', { provider_options: { openai: { prediction: { type: 'content', content: [{ type: 'text', text: prediction }] } } } }],
  ])('%s is held as output: a call it could bill past the budget is refused, nothing sent', async (_, body) => {
    openai.reset();
    const limitUsd = 0.05;
    const key = await createBudgetedKey(gateway, limitUsd, `prediction-${fastPath}`);
    // Every predicted token rejected: billed as completion tokens.
    openai.enqueue({ reply: { content: 'short', usage: { prompt_tokens: 20, completion_tokens: 10_010 } } });
    const response = await ask(key.secret, body);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    expect(await budgets.spent(`key:${key.id}`, epoch)).toBeLessThanOrEqual(limitUsd);
    expect(response.status).toBe(429);
    expect(openai.requests).toHaveLength(0);
  });

  it('a prediction the budget can pay for is sent upstream and settled to what was billed', async () => {
    openai.reset();
    const key = await createBudgetedKey(gateway, 1, `prediction-fits-${fastPath}`);
    openai.enqueue({ reply: { content: 'short', usage: { prompt_tokens: 20, completion_tokens: 10_010 } } });
    const response = await ask(key.secret, { prediction: { type: 'content', content: prediction } });
    expect(response.status).toBe(200);
    expect((openai.requests[0]!.body as { prediction?: unknown }).prediction).toEqual({ type: 'content', content: prediction });
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    expect(await budgets.spent(`key:${key.id}`, epoch)).toBeCloseTo((20 * 1 + 10_010 * 10) / 1_000_000, 9);
  });
});

// Anthropic's top-level fields the gateway has no place for (`mcp_servers`, newer ones) ride the fast path
// as written, kept in provider_options.anthropic, whose JSON text the hold counts as prompt: not held as
// nothing. (What a remote MCP server adds itself, its tool list and results, no gateway can see before the
// call: the settlement bills it, docs/pricing.md "Past the hold".)
describe('an Anthropic top-level field the gateway does not know, on the fast path', () => {
  let anthropic: MockAnthropic;
  let gateway: TestGateway;
  beforeAll(async () => {
    anthropic = await startMockAnthropic();
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-mcp-hold-')) },
      providers: { anthropic: { api_key: 'sk-ant-test-abcdefgh', base_url: anthropic.url } },
      prices: { 'anthropic/claude-sonnet-4-5': { input: 3, output: 15 } },
      storage: { use: 'sqlite' },
      usage: { flush_interval_ms: 20 },
    });
    gateways.push(gateway);
  });
  afterAll(async () => {
    await anthropic.close();
  });

  it('is held by its text: mcp_servers whose text alone costs more than the budget are refused, nothing sent', async () => {
    const limitUsd = 0.05;
    const key = await createBudgetedKey(gateway, limitUsd, 'mcp-servers');
    anthropic.enqueue({ reply: { content: 'done', usage: { prompt_tokens: 25_000, completion_tokens: 2 } } });
    const allowed = Array.from({ length: 5_000 }, (_, i) => `search_the_weather_tool_${i}`);
    const response = await fetch(`${gateway.origin}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key.secret, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'anthropic/claude-sonnet-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
        mcp_servers: [{ type: 'url', url: 'https://mcp.example/sse', name: 'weather', tool_configuration: { allowed_tools: allowed } }],
      }),
    });
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    expect(await budgets.spent(`key:${key.id}`, epoch)).toBeLessThanOrEqual(limitUsd);
    expect(response.status).toBe(429);
    expect(anthropic.requests).toHaveLength(0);
  });
});
