import { startMockAnthropic, startMockGemini, startMockOpenAI, type MockAnthropic, type MockGemini, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// `provider_options` (the client's settings for one provider, namespaced by its name) are
// read on /v1/chat/completions. On /v1/responses they were checked and then dropped by every
// translated attempt (an Anthropic `top_k`, Gemini's `safetySettings` never went upstream),
// and on /v1/messages they were not read at all: to OpenAI dropped, to Anthropic sent as a
// top-level `provider_options` field, which Anthropic refuses ("Extra inputs are not permitted").

let openai: MockOpenAI;
let anthropic: MockAnthropic;
let gemini: MockGemini;
let fast: TestGateway;
let translated: TestGateway;

beforeAll(async () => {
  [openai, anthropic, gemini] = await Promise.all([startMockOpenAI(), startMockAnthropic(), startMockGemini()]);
  const providers = {
    openai: { api_key: 'sk-test-0123456789', base_url: openai.url },
    anthropic: { api_key: 'sk-ant-test-0123456789', base_url: anthropic.url },
    gemini: { api_key: 'AIzaTest0123456789', base_url: gemini.url },
  };
  fast = await startTestGateway({ providers });
  translated = await startTestGateway({ providers, server: { fast_path: false } });
});
afterAll(async () => {
  await fast.close();
  await translated.close();
  await Promise.all([openai.close(), anthropic.close(), gemini.close()]);
});

async function post(gateway: TestGateway, route: string, body: Record<string, unknown>) {
  openai.reset();
  anthropic.reset();
  gemini.reset();
  const response = await fetch(gateway.origin + route, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { error?: { code: string; param: string | null } } };
}

function upstreamBodies(): Record<string, unknown>[] {
  return [...openai.requests, ...anthropic.requests, ...gemini.requests].map((request) => request.body as Record<string, unknown>);
}

describe('/v1/responses, translated', () => {
  it.each([
    ['anthropic/claude-sonnet-4-5', { anthropic: { top_k: 5 } }, { top_k: 5 }],
    ['gemini/gemini-2.5-flash', { gemini: { safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }] } }, { safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }] }],
  ] as const)('%s: the options for that provider go upstream', async (model, options, expected) => {
    const answer = await post(fast, '/v1/responses', { model, input: 'hi', provider_options: options });
    expect(answer.status).toBe(200);
    expect(upstreamBodies()).toEqual([expect.objectContaining(expected)]);
  });

  it('to OpenAI with the fast path off: the openai options go upstream', async () => {
    const answer = await post(translated, '/v1/responses', { model: 'openai/gpt-4o-mini', input: 'hi', provider_options: { openai: { seed: 7 } } });
    expect(answer.status).toBe(200);
    expect(upstreamBodies()).toEqual([expect.objectContaining({ seed: 7 })]);
  });

  it("an Anthropic thinking budget in them is checked as chat's is: 400, nothing sent", async () => {
    const answer = await post(fast, '/v1/responses', {
      model: 'anthropic/claude-sonnet-4-5',
      input: 'hi',
      provider_options: { anthropic: { thinking: { type: 'enabled', budget_tokens: -5000 } } },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_request', param: 'provider_options.anthropic.thinking.budget_tokens' });
    expect(upstreamBodies()).toHaveLength(0);
  });

  it.each([5, 'x', [1], { openai: 5 }])('provider_options %j: 400 naming it, as on chat', async (options) => {
    const answer = await post(fast, '/v1/responses', { model: 'openai/gpt-4o-mini', input: 'hi', provider_options: options });
    expect(answer.status).toBe(400);
    expect(answer.body.error?.param).toMatch(/^provider_options/);
    expect(upstreamBodies()).toHaveLength(0);
  });
});

describe('/v1/messages', () => {
  const message = { max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };

  it.each([
    ['openai/gpt-4o-mini', { openai: { seed: 7 } }, { seed: 7 }],
    ['gemini/gemini-2.5-flash', { gemini: { safetySettings: [] } }, { safetySettings: [] }],
  ] as const)('translated to %s: the options for that provider go upstream', async (model, options, expected) => {
    for (const stream of [false, true]) {
      const answer = await fetch(fast.origin + '/v1/messages', {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...message, model, stream, provider_options: options }),
      });
      expect(answer.status).toBe(200);
      await answer.text();
    }
    const answer = await post(fast, '/v1/messages', { ...message, model, provider_options: options });
    expect(answer.status).toBe(200);
    expect(upstreamBodies()).toEqual([expect.objectContaining(expected)]);
  });

  it.each([
    ['fast path', () => fast],
    ['translated', () => translated],
  ])('to Anthropic (%s): provider_options is not sent to Anthropic as a field of its body', async (_label, gateway) => {
    const answer = await post(gateway(), '/v1/messages', { ...message, model: 'anthropic/claude-sonnet-4-5', top_k: 5, provider_options: { openai: { seed: 7 } } });
    expect(answer.status).toBe(200);
    const [body] = upstreamBodies();
    expect(body).toMatchObject({ top_k: 5 });
    expect(body).not.toHaveProperty('provider_options');
    expect(body).not.toHaveProperty('seed');
  });

  it.each([
    [{ openai: { n: 3 } }, 'provider_options.openai.n'],
    [{ gemini: { generationConfig: { candidateCount: 8 } } }, 'provider_options.gemini.generationConfig.candidateCount'],
    [{ anthropic: { top_k: 5 } }, 'provider_options.anthropic'],
    [{ openai: 5 }, 'provider_options.openai'],
    [[1], 'provider_options'],
  ])('provider_options %j: 400 naming %s, nothing sent', async (options, param) => {
    for (const model of ['openai/gpt-4o-mini', 'anthropic/claude-sonnet-4-5']) {
      const answer = await post(fast, '/v1/messages', { ...message, model, provider_options: options });
      expect(answer.status).toBe(400);
      // Anthropic's envelope has no param: the message names it.
      const error = answer.body.error as unknown as { type: string; message: string };
      expect(error.type).toBe('invalid_request_error');
      expect(error.message).toContain(`'${param}'`);
      expect(upstreamBodies()).toHaveLength(0);
    }
  });
});
