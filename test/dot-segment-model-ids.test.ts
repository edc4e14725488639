import type { MockUpstream } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerMocks } from './support/provider-mocks.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Azure and Bedrock put the model (a deployment, a model id) in the upstream URL's path,
 * one encoded segment. Encoding leaves `.` as it is, and the HTTP client resolves dot
 * segments: `azure/.` called `/openai/deployments/chat/completions` (the deployment
 * named `chat`, by the legacy completions API), `azure/..` `/openai/chat/completions`,
 * `bedrock/..` `/converse`, each with the gateway's credentials.
 */
let azure: MockUpstream<string>;
let bedrock: MockUpstream<string>;
let gateway: TestGateway;

beforeAll(async () => {
  [azure, bedrock] = await Promise.all([providerMocks.azure.start(), providerMocks.bedrock.start()]);
  gateway = await startTestGateway({ providers: { azure: providerMocks.azure.options(azure.url), bedrock: providerMocks.bedrock.options(bedrock.url) } });
});
afterAll(async () => {
  await gateway.close();
  await Promise.all([azure.close(), bedrock.close()]);
});

async function post(route: string, body: Record<string, unknown>) {
  const response = await fetch(`${gateway.origin}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { error?: { code?: string; param?: string } } };
}

describe('a model id that is a dot segment', () => {
  it.each([['azure/.'], ['azure/..'], ['bedrock/.'], ['bedrock/..']])('%s → 400 invalid_request naming model, nothing sent upstream', async (model) => {
    const sent = azure.requests.length + bedrock.requests.length;
    for (const [route, body] of [
      ['/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }],
      ['/v1/embeddings', { model, input: 'hi' }],
    ] as const) {
      const answer = await post(route, body);
      expect({ route, status: answer.status, code: answer.body.error?.code, param: answer.body.error?.param }).toEqual({ route, status: 400, code: 'invalid_request', param: 'model' });
    }
    expect(azure.requests.length + bedrock.requests.length).toBe(sent);
  });

  it.each([
    ['/v1/messages', { model: 'azure/..', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }],
    ['/v1/responses', { model: 'azure/..', input: 'hi' }],
  ])('the same on %s', async (route, body) => {
    const sent = azure.requests.length;
    const answer = await post(route, body);
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain("'.' or '..'");
    expect(azure.requests.length).toBe(sent);
  });

  it('a model id with dots inside a segment is sent as it is', async () => {
    const answer = await post('/v1/chat/completions', { model: `bedrock/${providerMocks.bedrock.model}`, messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.status).toBe(200);
  });
});
