import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A Responses input item without a `type` is a message (OpenAI's EasyInputMessage), so
 * it needs a `role` and `content`. The schema checked an item as a message only when it
 * had a `role` or said `type: "message"`; one with neither passed unchecked, was read as
 * a message all the same, and its missing content was a TypeError: 500 internal_error.
 */
let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({ providers: { mock: { models: ['echo'] } } });
});
afterAll(() => gateway.close());

async function respond(input: unknown[]) {
  const response = await fetch(`${gateway.origin}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/echo', input }),
  });
  return { status: response.status, body: (await response.json()) as { error?: { code?: string; param?: string } } };
}

describe('a Responses input item with neither a type nor a role', () => {
  it.each([
    ['an empty item', [{}]],
    ['an item of unknown fields', [{ call_id: 'c1', name: 'get', arguments: '{}' }]],
    ['content without a role', [{ role: 'user', content: 'hi' }, { content: 'again' }]],
  ])('%s → 400 invalid_request naming the item, not a 500', async (_name, input) => {
    const answer = await respond(input);
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('invalid_request');
    expect(answer.body.error?.param).toMatch(new RegExp(`^input\\[${input.length - 1}\\]`));
  });

  it('an item with a role and no type is still a message', async () => {
    expect((await respond([{ role: 'user', content: 'hi' }])).status).toBe(200);
  });
});
