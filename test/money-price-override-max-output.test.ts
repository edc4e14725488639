import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A `prices:` override that gives only rates, as docs/pricing.md's own example does
 * (`openai/gpt-4o: { input: 2, output: 8 }`): the hold of a request without max_tokens
 * is still what the model can write (gpt-4o: 16,384 tokens), not the 8,192 default,
 * so such requests cannot spend a budget past its limit.
 */

const epoch = new Date(0).toISOString();
let openai: MockOpenAI;
let gateway: TestGateway;

beforeAll(async () => {
  openai = await startMockOpenAI();
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-override-max-output-')) },
    providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: openai.url } },
    prices: { 'openai/gpt-4o': { input: 2, output: 8 } },
    storage: { use: 'sqlite' },
  });
});
afterAll(async () => {
  await gateway.close();
  await openai.close();
});

describe('a model priced by an override without max_output', () => {
  it('holds what the model can write for a request without max_tokens: a budget it does not fit refuses it, nothing spent', async () => {
    // Room for 8,192 output tokens at $8 a million ($0.066), not for gpt-4o's 16,384 ($0.131).
    const key = await createBudgetedKey(gateway, 0.1, 'override-max-output');
    // What the upstream would write: 16,000 tokens, $0.128, past the $0.10 limit.
    openai.enqueue({ reply: { content: 'long answer', usage: { prompt_tokens: 10, completion_tokens: 16_000 } } });
    const seen = openai.requests.length;
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'write at length' }] }),
    });
    const body = (await response.json()) as { error?: { code: string; message: string } };
    expect(response.status).toBe(429);
    expect(body.error?.code).toBe('insufficient_quota');
    expect(body.error?.message).toContain('max_tokens');
    expect(openai.requests.length).toBe(seen);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    expect(await budgets.spent(`key:${key.id}`, epoch)).toBe(0);
    expect(await budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
  });

  it('with max_tokens that fits, the same request is served', async () => {
    const key = await createBudgetedKey(gateway, 0.1, 'override-max-output-fits');
    openai.enqueue({ reply: { content: 'short answer', usage: { prompt_tokens: 10, completion_tokens: 5 } } });
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o', max_tokens: 1000, messages: [{ role: 'user', content: 'write briefly' }] }),
    });
    expect(response.status).toBe(200);
    await response.json();
  });
});
