import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// Gemini's REST API reads JSON the protobuf way: a field may be named in lowerCamelCase
// or by its proto name (`generation_config`, `candidate_count`, `max_output_tokens`).
// The gateway refused `generationConfig.candidateCount` in a client's provider_options
// (a budget holds for one choice) but let the snake-case spellings through, laid under
// the body: `{ gemini: { generationConfig: { candidate_count: 8 } } }` had Gemini write
// and bill eight candidates against a hold for one. Each spelling is now refused alike.

let openai: MockOpenAI;
let gateway: TestGateway;

beforeAll(async () => {
  openai = await startMockOpenAI();
  gateway = await startTestGateway({ providers: { openai: { api_key: 'sk-test-0123456789', base_url: openai.url } } });
});
afterAll(async () => {
  await gateway.close();
  await openai.close();
});

async function post(route: string, body: Record<string, unknown>) {
  const response = await fetch(gateway.origin + route, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { error: { code: string; param: string | null } } };
}

const messages = [{ role: 'user', content: 'hi' }];

describe('Gemini generation config spelled as proto field names in provider_options', () => {
  it.each([
    [{ generationConfig: { candidate_count: 8 } }, 'provider_options.gemini.generationConfig.candidate_count'],
    [{ generationConfig: { max_output_tokens: 50_000 } }, 'provider_options.gemini.generationConfig.max_output_tokens'],
    [{ generation_config: { candidateCount: 8 } }, 'provider_options.gemini.generation_config.candidateCount'],
    [{ generation_config: { candidate_count: 8 } }, 'provider_options.gemini.generation_config.candidate_count'],
    [{ generation_config: { temperature: 0.2, max_output_tokens: 50_000 } }, 'provider_options.gemini.generation_config.max_output_tokens'],
  ] as const)('%j: 400 naming it on chat and Responses, nothing sent upstream', async (options, param) => {
    openai.reset();
    const chat = await post('/v1/chat/completions', { model: 'openai/gpt-4o-mini', messages, provider_options: { gemini: options } });
    expect(chat.status).toBe(400);
    expect(chat.body.error).toMatchObject({ code: 'invalid_request', param });
    const responses = await post('/v1/responses', { model: 'openai/gpt-4o-mini', input: 'hi', provider_options: { gemini: options } });
    expect(responses.status).toBe(400);
    expect(responses.body.error).toMatchObject({ code: 'invalid_request', param });
    expect(openai.requests).toHaveLength(0);
  });

  it('other Gemini options in either spelling still pass (a temperature is not governed)', async () => {
    openai.reset();
    const answer = await post('/v1/chat/completions', {
      model: 'openai/gpt-4o-mini',
      messages,
      provider_options: { gemini: { generation_config: { top_k: 4 }, generationConfig: { topK: 4 } } },
    });
    expect(answer.status).toBe(200);
    expect(openai.requests).toHaveLength(1);
  });
});
