import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * The rate limiter's token estimate counts an image at what the request's model may bill
 * for it, the count a budget holds (core's imageHoldTokens): gpt-4o-mini bills an image at
 * up to 48,169 tokens (2,833 at detail low), and at the fixed 1,600 (85) twenty images took
 * 32,000 of a tpm limit and were billed up to 963,380. A model billing an image at most
 * 1,600 keeps the fixed counts. A name under `models:` (an alias, a group) counts an image at
 * the most any model it routes to may bill for it: counted by its name, it got 1,600.
 */
/** Above twenty images at 1,600 (32,000), below twenty low-detail ones to gpt-4o-mini (56,660). */
const tpm = 50_000;
const image = (detail: 'low' | 'high') => ({ type: 'image_url', image_url: { url: 'https://example.com/a.png', detail } });

describe.each(['estimate', 'tiktoken'] as const)('a tpm limit and images (tokenizer %s)', (tokenizer) => {
  let upstream: MockOpenAI;
  let gateway: TestGateway;
  beforeAll(async () => {
    upstream = await startMockOpenAI();
    gateway = await startTestGateway({
      providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } },
      models: {
        cheap: 'openai/gpt-4o-mini',
        vision: { deployments: [{ target: 'openai/gpt-4o' }, { target: 'openai/gpt-4o-mini' }] },
        big: { deployments: [{ target: 'openai/gpt-4o' }], fallbacks: ['cheap'] },
      },
      chain: ['auth', { 'rate-limit': { limits: { global: { tpm } }, tokenizer } }, 'route', 'adapter'],
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  const ask = (model: string, detail: 'low' | 'high') =>
    fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: 'user', content: Array.from({ length: 20 }, () => image(detail)) }] }),
    });

  it('counts twenty images to gpt-4o-mini at what it may bill: more than the limit, refused before the call', async () => {
    const response = await ask('openai/gpt-4o-mini', 'high');
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(response.status).toBe(429);
    expect(body.error.code).toBe('rate_limit_exceeded');
    expect(body.error.message).toMatch(/needs about 963,?\d{3} tokens/);
    expect(upstream.requests).toHaveLength(0);
  });

  it('counts a low-detail image to gpt-4o-mini at its 2,833 base tokens: twenty are more than the limit', async () => {
    const response = await ask('openai/gpt-4o-mini', 'low');
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(response.status).toBe(429);
    expect(body.error.message).toMatch(/needs about 56,?\d{3} tokens/);
    expect(upstream.requests).toHaveLength(0);
  });

  it('keeps the fixed 1,600 for a model that bills an image at most that (gpt-4o): twenty fit the limit', async () => {
    upstream.enqueue({ reply: { usage: { prompt_tokens: 15_000, completion_tokens: 1 } } });
    const response = await ask('openai/gpt-4o', 'high');
    await response.text();
    expect(response.status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
  });

  it.each(['cheap', 'vision'])("counts twenty images to '%s' (an alias of, or a group holding, gpt-4o-mini) at what gpt-4o-mini may bill: refused before the call", async (name) => {
    const sentBefore = upstream.requests.length;
    for (const [detail, needs] of [['high', /needs about 963,?\d{3} tokens/], ['low', /needs about 56,?\d{3} tokens/]] as const) {
      const response = await ask(name, detail);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(response.status).toBe(429);
      expect(body.error.code).toBe('rate_limit_exceeded');
      expect(body.error.message).toMatch(needs);
    }
    expect(upstream.requests).toHaveLength(sentBefore);
  });

  it('a group of gpt-4o whose fallback is gpt-4o-mini keeps the fixed 1,600: fallbacks are tried only on failure', async () => {
    const sentBefore = upstream.requests.length;
    upstream.enqueue({ reply: { usage: { prompt_tokens: 15_000, completion_tokens: 1 } } });
    const response = await ask('big', 'high');
    expect(response.status, await response.text()).toBe(200);
    expect(upstream.requests).toHaveLength(sentBefore + 1);
  });
});
