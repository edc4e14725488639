import { defineIngress, openAIChatDialect, type IngressDialect } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An ingress plugin that takes the model from its query string as it is, as a third
 * party's might: a repeated `?model=` reads as a list (Express's query parser), which
 * passed the gateway's model-name guard as its joined text ("mock/echo,x") and went on
 * as a list where every step expects a string. The guard holds the name to a string.
 */
const queryModelDialect: IngressDialect = {
  ...openAIChatDialect,
  name: 'query-model-test',
  parse(body, limits, request) {
    const parsed = openAIChatDialect.parse(body, limits);
    return { ...parsed, request: { ...parsed.request, model: request?.query['model'] as string } };
  },
};

const queryModelIngress = defineIngress<Record<string, never>>({
  name: 'query-model',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({ dialect: queryModelDialect, routes: [{ method: 'post', path: '/query-model/chat', name: 'chat' }] }),
});

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({ providers: { mock: { models: ['echo'] } }, ingress: { 'query-model': {} } }, { plugins: [queryModelIngress] });
});
afterAll(() => gateway.close());

function send(query: string): Promise<Response> {
  return fetch(`${gateway.origin}/query-model/chat?${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
  });
}

describe("an ingress plugin's model that is not a string", () => {
  it('a model name is served', async () => {
    expect((await send('model=mock/echo')).status).toBe(200);
  });

  it.each([
    ['a list (the name given twice)', 'model=mock/echo&model=mock/echo'],
    ['a list of one (model[]=)', 'model[]=mock/echo'],
    ['missing', 'other=1'],
  ])('%s → 400 invalid_request on model', async (_label, query) => {
    const response = await send(query);
    const body = (await response.json()) as { error: { code: string; param: string } };
    expect(response.status, JSON.stringify(body)).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_request', param: 'model' });
  });
});
