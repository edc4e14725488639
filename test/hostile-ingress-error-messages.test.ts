import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// A field that takes one of several shapes (`stop`: a string, a list or null) refused in
// the shape the client did send: the 400 names that shape's limit, not the types of the
// shapes it did not send ("expected string or null" for a list of five).

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({ providers: { mock: { models: ['echo'] } } });
});
afterAll(async () => {
  await gateway.close();
});

async function post(route: string, body: Record<string, unknown>) {
  const response = await fetch(gateway.origin + route, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { error: { message: string; param: string | null; code: string } } };
}

const messages = [{ role: 'user', content: 'hi' }];

describe('the 400 names what is wrong with the shape that was sent', () => {
  it.each([
    ['chat stop: five sequences', '/v1/chat/completions', { model: 'mock/echo', messages, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop', 'must NOT have more than 4 items'],
    ['chat tool_choice: an object whose name is no tool name', '/v1/chat/completions', { model: 'mock/echo', messages, tool_choice: { type: 'function', function: { name: 'a b' } } }, 'tool_choice.function.name', 'must match pattern'],
    ['embeddings input: an empty list', '/v1/embeddings', { model: 'mock/embed', input: [] }, 'input', 'expected at least 1 item(s)'],
    ['embeddings input: a negative token id', '/v1/embeddings', { model: 'mock/embed', input: [-1] }, 'input[0]', 'must be >= 0'],
    ['embeddings input: an empty token list', '/v1/embeddings', { model: 'mock/embed', input: [[]] }, 'input[0]', 'expected at least 1 item(s)'],
    ['responses tool_choice: a function whose name is no tool name', '/v1/responses', { model: 'mock/echo', input: 'hi', tool_choice: { type: 'function', name: 'a b' } }, 'tool_choice.name', 'must match pattern'],
  ])('%s', async (_label, route, body, param, message) => {
    const answer = await post(route, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_request', param });
    expect(answer.body.error.message).toContain(message);
  });

  it('a value of none of the shapes still hears the shapes', async () => {
    const answer = await post('/v1/chat/completions', { model: 'mock/echo', messages, stop: 5 });
    expect(answer.body.error).toMatchObject({ param: 'stop', message: "Invalid value for 'stop': expected string, array or null." });
  });
});
