import { defineIngress, openAIChatDialect, type IngressDialect, type ProviderOptions } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An ingress plugin that hands its body's `options` on as provider options, as a third
 * party's dialect might pass a provider's own settings through. The gateway's own
 * dialects refuse the fields budgets and streaming rest on inside `provider_options`;
 * a plugin's request went to the adapters unchecked, so `n: 8` or Gemini's
 * `candidateCount: 8` were written and billed against a hold for one answer.
 */
const optionsDialect: IngressDialect = {
  ...openAIChatDialect,
  name: 'options-pass-through-test',
  parse(body, limits) {
    const { options, ...rest } = body as { options?: ProviderOptions };
    const parsed = openAIChatDialect.parse(rest, limits);
    return { ...parsed, request: { ...parsed.request, ...(options && { providerOptions: options }) } };
  },
};

const optionsIngress = defineIngress<Record<string, never>>({
  name: 'options-pass-through',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({ dialect: optionsDialect, routes: [{ method: 'post', path: '/options-pass-through/chat', name: 'chat' }] }),
});

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({ providers: { mock: { models: ['echo'] } }, ingress: { 'options-pass-through': {} } }, { plugins: [optionsIngress] });
});
afterAll(() => gateway.close());

async function send(options: unknown): Promise<{ status: number; body: { error?: { code: string; param: string | null } } }> {
  const response = await fetch(`${gateway.origin}/options-pass-through/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }], options }),
  });
  return { status: response.status, body: (await response.json()) as { error?: { code: string; param: string | null } } };
}

describe("an ingress plugin's provider options", () => {
  it('are passed on when they set nothing the gateway governs', async () => {
    expect((await send({ mock: { latency_ms: 0 } })).status).toBe(200);
  });

  it.each([
    [{ openai: { n: 8 } }, 'provider_options.openai.n'],
    [{ openai: { stream: true } }, 'provider_options.openai.stream'],
    [{ anthropic: { max_tokens: 100_000 } }, 'provider_options.anthropic.max_tokens'],
    [{ gemini: { generationConfig: { candidateCount: 8 } } }, 'provider_options.gemini.generationConfig.candidateCount'],
    [{ bedrock: { inferenceConfig: { maxTokens: 100_000 } } }, 'provider_options.bedrock.inferenceConfig.maxTokens'],
  ])('%j → 400 invalid_request naming the field, as on the gateway’s own dialects', async (options, param) => {
    const { status, body } = await send(options);
    expect(status, JSON.stringify(body)).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_request', param });
  });
});
