import { startMockAnthropic, type MockAnthropic } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A chat client's `provider_options.anthropic.thinking.budget_tokens`: the Anthropic
 * adapter grows its default `max_tokens` by the budget when the client sets no limit,
 * so a budget that is no positive whole number became a `max_tokens` the client never
 * wrote (-904, 4096.5, 1e+300), which Anthropic refused naming `max_tokens`.
 */
let upstream: MockAnthropic;
let gateway: TestGateway;
const anthropicKey = 'sk-ant-api03-ThinkingBudget0123456789';

beforeAll(async () => {
  upstream = await startMockAnthropic({ apiKey: anthropicKey });
  gateway = await startTestGateway({ providers: { anthropic: { api_key: anthropicKey, base_url: upstream.url } } });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

async function chat(budget: unknown, extra: Record<string, unknown> = {}): Promise<{ status: number; body: { error?: { code: string; param: string | null; message: string } } }> {
  const res = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'anthropic/claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'hi' }],
      provider_options: { anthropic: { thinking: { type: 'enabled', budget_tokens: budget } } },
      ...extra,
    }),
  });
  return { status: res.status, body: (await res.json()) as never };
}

describe('a thinking budget in provider_options, sent to Anthropic', () => {
  it.each([
    ['negative', -5000],
    ['zero', 0],
    ['a fraction', 2048.5],
    ['past the output ceiling', 1e300],
    ['text', '2048'],
    ['missing', undefined],
  ])('%s (%s) → 400 naming it, nothing sent upstream', async (_label, budget) => {
    const { status, body } = await chat(budget);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_request', param: 'provider_options.anthropic.thinking.budget_tokens' });
    expect(body.error!.message).toMatch(/budget_tokens/);
    expect(upstream.requests).toHaveLength(0);
  });

  it('a whole budget goes out, the default max_tokens grown by it', async () => {
    const { status } = await chat(2048);
    expect(status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]!.body).toMatchObject({ max_tokens: 4096 + 2048, thinking: { type: 'enabled', budget_tokens: 2048 } });
  });

  it('with the client\'s own max_tokens, the budget is checked all the same', async () => {
    const { status, body } = await chat(-1, { max_tokens: 100 });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ param: 'provider_options.anthropic.thinking.budget_tokens' });
    expect(upstream.requests).toHaveLength(0);
  });
});
