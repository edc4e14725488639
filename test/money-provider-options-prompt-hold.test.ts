import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// provider_options are laid under the upstream body: a field the request leaves out
// (`tools`, `instructions`, Gemini's `systemInstruction` …) goes upstream from there, and
// the provider reads and bills it as prompt. The budget's hold estimated the prompt from
// the canonical request alone, so 100,000 characters of tool descriptions in
// provider_options held nothing: a key with $0.05 left was served a call that cost
// $0.075. The hold now counts the JSON text of the options as prompt.

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

async function start(fastPath: boolean): Promise<TestGateway> {
  const gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-options-hold-')), fast_path: fastPath },
    providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: openai.url } },
    prices: { 'openai/gpt-4o-mini': { input: 3, output: 15 } },
    storage: { use: 'sqlite' },
    usage: { flush_interval_ms: 20 },
  });
  gateways.push(gateway);
  return gateway;
}

const longDescription = 'describe the weather in plain words '.repeat(2_800); // ~100,000 characters, ~25,000 tokens

describe.each([true, false])('prompt inside provider_options on a budgeted key (server.fast_path %s)', (fastPath) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await start(fastPath);
  });

  it('is held as prompt: a call whose options alone cost more than the budget is refused, never spent past the limit', async () => {
    openai.reset();
    const limitUsd = 0.05;
    const key = await createBudgetedKey(gateway, limitUsd, `options-${fastPath}`);
    // What OpenAI bills for the tool's description, read as prompt.
    openai.enqueue({ reply: { content: 'sunny', usage: { prompt_tokens: 25_000, completion_tokens: 2 } } });
    const tools = [{ type: 'function', function: { name: 'weather', description: longDescription, parameters: { type: 'object', properties: {} } } }];
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], provider_options: { openai: { tools } } }),
    });
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    expect(await budgets.spent(`key:${key.id}`, epoch)).toBeLessThanOrEqual(limitUsd);
    expect(response.status).toBe(429);
    expect(openai.requests).toHaveLength(0);
  });

  it('on /v1/responses too: a call whose options alone cost more than the budget is refused, never spent past the limit', async () => {
    openai.reset();
    const limitUsd = 0.05;
    const key = await createBudgetedKey(gateway, limitUsd, `responses-options-${fastPath}`);
    openai.enqueue({ reply: { content: 'sunny', usage: { prompt_tokens: 25_000, completion_tokens: 2 } } });
    const tools = [{ type: 'function', name: 'weather', description: longDescription, parameters: { type: 'object', properties: {} } }];
    const response = await fetch(`${gateway.baseURL}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', max_output_tokens: 10, input: 'hi', store: false, provider_options: { openai: { tools } } }),
    });
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    const spent = await budgets.spent(`key:${key.id}`, epoch);
    expect(spent).toBeLessThanOrEqual(limitUsd);
    expect(response.status).toBe(429);
    expect(openai.requests).toHaveLength(0);
  });

  it('small options still fit: served, and settled to what was billed', async () => {
    openai.reset();
    const key = await createBudgetedKey(gateway, 0.05, `options-small-${fastPath}`);
    openai.enqueue({ reply: { content: 'ok', usage: { prompt_tokens: 20, completion_tokens: 2 } } });
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], provider_options: { openai: { service_tier: 'flex' } } }),
    });
    expect(response.status).toBe(200);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    expect(await budgets.spent(`key:${key.id}`, epoch)).toBeCloseTo((20 * 3 + 2 * 15) / 1_000_000, 9);
  });
});
