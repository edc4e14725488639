import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockAnthropic, type MockAnthropic } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// A budget holds a call's maximum cost before it runs. The prompt estimate counted an
// image with OpenAI's `detail: "low"` at 85 tokens, OpenAI's price of one on gpt-4o, and
// the hold took that: but `detail` is OpenAI's alone (Anthropic, Gemini and Bedrock drop
// it and bill an image up to ~1,600 tokens), and even OpenAI's mini models bill a
// low-detail image at thousands of tokens. A client marking its images low held a
// twentieth of what they cost: twenty images to Claude held $0.005 of a $0.05 budget,
// and the call spent $0.096. The hold now takes every image at the high end.

const epoch = new Date(0).toISOString();
let anthropic: MockAnthropic;
let gateway: TestGateway;

beforeAll(async () => {
  anthropic = await startMockAnthropic();
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-low-detail-')) },
    providers: { anthropic: { api_key: 'sk-ant-test-abcdefgh', base_url: anthropic.url } },
    prices: { 'anthropic/claude-sonnet-4-5': { input: 3, output: 15 } },
    storage: { use: 'sqlite' },
    usage: { flush_interval_ms: 20 },
  });
});
afterAll(async () => {
  await gateway.close();
  await anthropic.close();
});

const image = { type: 'image_url', image_url: { url: 'https://images.example/cat.png', detail: 'low' } };

describe('images marked detail: "low" on a budgeted key', () => {
  it('are held at what a provider may bill for them: a call that could spend past the budget is refused, nothing sent', async () => {
    const limitUsd = 0.05;
    const key = await createBudgetedKey(gateway, limitUsd, 'low-detail');
    // What Anthropic bills for twenty images: about 1,600 tokens each.
    anthropic.enqueue({ reply: { content: 'twenty cats', usage: { prompt_tokens: 32_000, completion_tokens: 3 } } });
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
      body: JSON.stringify({
        model: 'anthropic/claude-sonnet-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'What are these?' }, ...Array.from({ length: 20 }, () => image)] }],
      }),
    });
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    // Never past the limit, whatever the answer.
    expect(await budgets.spent(`key:${key.id}`, epoch)).toBeLessThanOrEqual(limitUsd);
    expect(response.status).toBe(429);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('insufficient_quota');
    expect(anthropic.requests).toHaveLength(0);
  });

  it('a call that fits its budget with every image at the high end is served and settled to what was billed', async () => {
    anthropic.reset();
    const key = await createBudgetedKey(gateway, 1, 'low-detail-fits');
    anthropic.enqueue({ reply: { content: 'two cats', usage: { prompt_tokens: 3_200, completion_tokens: 3 } } });
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
      body: JSON.stringify({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: [image, image] }] }),
    });
    expect(response.status).toBe(200);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    expect(await budgets.spent(`key:${key.id}`, epoch)).toBeCloseTo((3_200 * 3 + 3 * 15) / 1_000_000, 9);
  });
});
