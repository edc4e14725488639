import { defineIngress, openAIChatDialect, type IngressDialect } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An ingress plugin that reads the model from its URL and forgets checkModelName,
 * as a third party's might: the gateway holds the name to the same bound as its own
 * endpoints (visible ASCII, limits.max_model_name_length), so a megabyte of anything
 * never becomes a span name, a span attribute or a log field.
 */
const looseDialect: IngressDialect = {
  ...openAIChatDialect,
  name: 'loose-test',
  parse(body, limits, request) {
    const parsed = openAIChatDialect.parse(body, limits);
    return { ...parsed, request: { ...parsed.request, model: request?.params['model'] ?? parsed.request.model } };
  },
};

const looseIngress = defineIngress<Record<string, never>>({
  name: 'loose',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({ dialect: looseDialect, routes: [{ method: 'post', path: '/loose/:model', name: 'chat' }] }),
});

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ providers: { mock: {} }, ingress: { loose: {} } }, { plugins: [looseIngress] });
});
afterAll(() => gateway.close());

function send(model: string): Promise<Response> {
  return fetch(`${gateway.origin}/loose/${encodeURIComponent(model)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
  });
}

describe("an ingress plugin's model name", () => {
  it('is served when it is a model name', async () => {
    const response = await send('mock/echo');
    expect(response.status).toBe(200);
  });

  it.each([
    ['longer than limits.max_model_name_length', `mock/${'x'.repeat(5000)}`],
    ['with a space', 'mock/an echo'],
    ['with a control character', 'mock/echo\u0007'],
  ])('is refused %s: 400 invalid_request on model, never echoed', async (_, model) => {
    const response = await send(model);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; param: string; message: string } };
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.param).toBe('model');
    expect(body.error.message).not.toContain(model);
  });
});
