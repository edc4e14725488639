import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// A budget holds a call's maximum cost before it runs, and took every image at 1,600
// tokens, the high end for Claude, Gemini and gpt-4o. OpenAI's small models bill an image
// at far more so that it costs what it costs on the big model: gpt-4o-mini 2,833 tokens
// plus 5,667 per 512px tile (up to 8 tiles, 48,169 tokens), the patch-billed ones
// (gpt-4.1-mini/nano, o4-mini, gpt-5-mini/nano) up to 1,536 patches times 1.62 to 2.46. A
// key with just enough left for a text prompt was served twenty images to gpt-4o-mini:
// held $0.005, billed $0.077. The hold now takes each image at its model's high end.

const epoch = new Date(0).toISOString();
let openai: MockOpenAI;
let gateway: TestGateway;

beforeAll(async () => {
  openai = await startMockOpenAI();
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-image-hold-')) },
    providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: openai.url } },
    storage: { use: 'sqlite' },
    usage: { flush_interval_ms: 20 },
  });
});
afterAll(async () => {
  await gateway.close();
  await openai.close();
});

const image = (detail?: string) => ({ type: 'image_url', image_url: { url: 'https://images.example/cat.png', ...(detail ? { detail } : {}) } });

async function ask(secret: string, model: string, content: unknown): Promise<Response> {
  return fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: 'user', content }] }),
  });
}

describe('images on a budgeted key, held at what the target model bills', () => {
  it.each([
    ['openai/gpt-4o-mini', undefined],
    ['openai/gpt-4o-mini', 'low'],
    ['openai/gpt-4.1-nano', 'low'],
  ])('%s, detail %s: twenty images a budget cannot pay for are refused, nothing sent, never spent past the limit', async (model, detail) => {
    openai.reset();
    // Enough for a text prompt (and for twenty images at the old 1,600 tokens each: $0.0048 on gpt-4o-mini).
    const limitUsd = 0.005;
    const key = await createBudgetedKey(gateway, limitUsd, `images-${model}-${detail}`);
    // What OpenAI bills gpt-4o-mini for twenty 1024x1024 images at high detail: 25,501 tokens each.
    openai.enqueue({ reply: { content: 'twenty cats', usage: { prompt_tokens: 510_020, completion_tokens: 3 } } });
    const response = await ask(key.secret, model, [{ type: 'text', text: 'What are these?' }, ...Array.from({ length: 20 }, () => image(detail))]);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    expect(await budgets.spent(`key:${key.id}`, epoch)).toBeLessThanOrEqual(limitUsd);
    expect(response.status).toBe(429);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('insufficient_quota');
    expect(openai.requests).toHaveLength(0);
  });

  it('the same budget serves a text prompt to gpt-4o-mini, and twenty images to a model that bills them at the default', async () => {
    openai.reset();
    const key = await createBudgetedKey(gateway, 0.05, 'images-fit');
    openai.enqueue({ reply: { content: 'hello', usage: { prompt_tokens: 12, completion_tokens: 2 } } });
    expect((await ask(key.secret, 'openai/gpt-4o-mini', 'hello')).status).toBe(200);
    // gpt-4o bills an image at most 1,445 tokens: twenty are held at 1,600 each, $0.08 at $2.50 a million: too much for
    // $0.05, so a smaller count; four images at gpt-4o fit ($0.016 held).
    openai.enqueue({ reply: { content: 'cats', usage: { prompt_tokens: 3_000, completion_tokens: 2 } } });
    expect((await ask(key.secret, 'openai/gpt-4o', [image(), image(), image(), image()])).status).toBe(200);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    expect(openai.requests).toHaveLength(2);
  });
});
