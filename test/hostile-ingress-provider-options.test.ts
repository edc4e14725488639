import { startMockAnthropic, startMockOpenAI, type MockAnthropic, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// `provider_options` is the client's escape hatch for a provider's own fields, merged
// into the upstream body. `stream` in it turned a request the gateway reads as JSON
// into an upstream stream: 502 upstream_invalid_response, an upstream failure caused
// by the client (counted against the deployment like any other). The gateway decides
// streaming from the top-level `stream`; one inside provider_options is refused.
// So is `n`: the top-level one is 1 at most (budgets hold for one choice), and one in
// the options had the upstream write (and bill) that many. On the Responses API, so are
// the fields the gateway keeps (previous_response_id: its own store, per key) or refuses
// at the top level (conversation, prompt, background): in the options they reached
// OpenAI, which resolved them against whatever the gateway's org key holds there.

let openai: MockOpenAI;
let anthropic: MockAnthropic;
let fast: TestGateway;
let translated: TestGateway;

beforeAll(async () => {
  openai = await startMockOpenAI();
  anthropic = await startMockAnthropic();
  const providers = { openai: { api_key: 'sk-test-0123456789', base_url: openai.url }, anthropic: { api_key: 'sk-ant-test-0123456789', base_url: anthropic.url } };
  fast = await startTestGateway({ providers });
  translated = await startTestGateway({ providers, server: { fast_path: false } });
});
afterAll(async () => {
  await fast.close();
  await translated.close();
  await openai.close();
  await anthropic.close();
});

async function post(gateway: TestGateway, route: string, body: Record<string, unknown>) {
  const response = await fetch(gateway.origin + route, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { error: { code: string; param: string | null } } };
}

const messages = [{ role: 'user', content: 'hi' }];

describe('stream inside provider_options', () => {
  it.each([
    ['fast path', () => fast, 'openai/gpt-4o-mini', 'openai'],
    ['translated', () => translated, 'openai/gpt-4o-mini', 'openai'],
    ['translated to Anthropic', () => fast, 'anthropic/claude-sonnet-4-5', 'anthropic'],
  ] as const)('chat, %s: 400 naming it, nothing sent upstream', async (_label, gateway, model, namespace) => {
    openai.reset();
    anthropic.reset();
    for (const stream of [true, false]) {
      const answer = await post(gateway(), '/v1/chat/completions', { model, messages, provider_options: { [namespace]: { stream } } });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'invalid_request', param: `provider_options.${namespace}.stream` });
    }
    expect(openai.requests.length + anthropic.requests.length).toBe(0);
  });

  it('responses, fast path: 400 naming it, nothing sent upstream', async () => {
    openai.reset();
    const answer = await post(fast, '/v1/responses', { model: 'openai/gpt-4o-mini', input: 'hi', provider_options: { openai: { stream: true } } });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_request', param: 'provider_options.openai.stream' });
    expect(openai.requests).toHaveLength(0);
  });

  it('n (choices): 400 naming it on both paths, nothing sent upstream; the top-level n is 1 at most', async () => {
    openai.reset();
    for (const gateway of [fast, translated]) {
      for (const stream of [false, true]) {
        const answer = await post(gateway, '/v1/chat/completions', { model: 'openai/gpt-4o-mini', messages, stream, provider_options: { openai: { n: 3 } } });
        expect(answer.status).toBe(400);
        expect(answer.body.error).toMatchObject({ code: 'invalid_request', param: 'provider_options.openai.n' });
      }
    }
    expect(openai.requests).toHaveLength(0);
  });

  it.each([['max_tokens'], ['max_completion_tokens'], ['max_output_tokens']])('%s (the output limit budgets hold for): 400 naming it on chat and Responses, nothing sent upstream', async (field) => {
    openai.reset();
    // A small limit at the top level, a large one in the options: the upstream got the large one.
    const chat = await post(fast, '/v1/chat/completions', { model: 'openai/gpt-4o-mini', messages, max_tokens: 5, provider_options: { openai: { [field]: 50_000 } } });
    expect(chat.status).toBe(400);
    expect(chat.body.error).toMatchObject({ code: 'invalid_request', param: `provider_options.openai.${field}` });
    const responses = await post(fast, '/v1/responses', { model: 'openai/gpt-4o-mini', input: 'hi', max_output_tokens: 16, provider_options: { openai: { [field]: 50_000 } } });
    expect(responses.status).toBe(400);
    expect(openai.requests).toHaveLength(0);
  });

  it.each([
    ['previous_response_id', 'resp_abc'],
    ['conversation', 'conv_1'],
    ['prompt', { id: 'pmpt_1' }],
    ['background', true],
  ])('responses: %s, which the gateway keeps or refuses at the top level → 400 naming it, nothing sent upstream', async (field, value) => {
    openai.reset();
    const answer = await post(fast, '/v1/responses', { model: 'openai/gpt-4o-mini', input: 'hi', provider_options: { openai: { [field]: value } } });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_request', param: `provider_options.openai.${field}` });
    expect(openai.requests).toHaveLength(0);
  });

  it.each([
    ['gemini', { generationConfig: { candidateCount: 8 } }, 'provider_options.gemini.generationConfig.candidateCount'],
    ['gemini', { generationConfig: { temperature: 0.1, maxOutputTokens: 50_000 } }, 'provider_options.gemini.generationConfig.maxOutputTokens'],
    ['bedrock', { inferenceConfig: { maxTokens: 50_000 } }, 'provider_options.bedrock.inferenceConfig.maxTokens'],
    // Bedrock hands additionalModelRequestFields to the model's own API: Anthropic's max_tokens, Llama's max_gen_len,
    // Nova's inferenceConfig.max_new_tokens, Titan's textGenerationConfig.maxTokenCount. Passed on, the model wrote up
    // to them, past what the budget held for the top-level limit.
    ['bedrock', { additionalModelRequestFields: { max_tokens: 50_000 } }, 'provider_options.bedrock.additionalModelRequestFields.max_tokens'],
    ['bedrock', { additionalModelRequestFields: { top_k: 5, maxTokens: 50_000 } }, 'provider_options.bedrock.additionalModelRequestFields.maxTokens'],
    ['bedrock', { additionalModelRequestFields: { max_gen_len: 2_048 } }, 'provider_options.bedrock.additionalModelRequestFields.max_gen_len'],
    ['bedrock', { additionalModelRequestFields: { max_tokens_to_sample: 50_000 } }, 'provider_options.bedrock.additionalModelRequestFields.max_tokens_to_sample'],
    ['bedrock', { additionalModelRequestFields: { inferenceConfig: { max_new_tokens: 50_000 } } }, 'provider_options.bedrock.additionalModelRequestFields.inferenceConfig.max_new_tokens'],
    ['bedrock', { additionalModelRequestFields: { textGenerationConfig: { maxTokenCount: 50_000 } } }, 'provider_options.bedrock.additionalModelRequestFields.textGenerationConfig.maxTokenCount'],
  ] as const)('%s\'s own nesting of the choice count or the output limit (%j): 400 naming it, as at the top of the options', async (namespace, options, param) => {
    openai.reset();
    // Laid under the body, these went upstream whenever the client left the top-level field out:
    // eight Gemini candidates written and billed against a hold for one.
    const answer = await post(fast, '/v1/chat/completions', { model: 'openai/gpt-4o-mini', messages, provider_options: { [namespace]: options } });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_request', param });
    expect(openai.requests).toHaveLength(0);
  });

  it('other provider options still reach the upstream', async () => {
    openai.reset();
    const answer = await post(fast, '/v1/chat/completions', { model: 'openai/gpt-4o-mini', messages, provider_options: { openai: { service_tier: 'flex' } } });
    expect(answer.status).toBe(200);
    expect((openai.requests[0]!.body as Record<string, unknown>)['service_tier']).toBe('flex');
  });
});
