import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// What a client wrote where a name goes (a key, a tool type) is named back in a 400
// at most in part: a 100,000-character key came back whole, twice (message and
// param), line breaks and markup included, as 200 KB of error.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({ providers: { mock: { models: ['echo'] } } });
});
afterAll(async () => {
  await gateway.close();
});

const hostileName = `${'k'.repeat(100_000)}\r\n<script>`;

async function post(route: string, body: Record<string, unknown>) {
  const response = await fetch(gateway.origin + route, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

function expectShortRefusal(answer: { status: number; text: string }) {
  expect(answer.status).toBe(400);
  expect(answer.text.length).toBeLessThan(1000);
  expect(answer.text).not.toContain('<script>');
}

describe('a 100,000-character name is not echoed in a 400', () => {
  it('chat: a provider_options key whose value is not an object', async () => {
    const answer = await post('/v1/chat/completions', { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }], provider_options: { [hostileName]: 1 } });
    expectShortRefusal(answer);
    const { error } = JSON.parse(answer.text) as { error: { param: string; code: string } };
    expect(error.code).toBe('invalid_request');
    expect(error.param.startsWith('provider_options.kkkk')).toBe(true);
  });

  it('messages: a server tool type, refused for a provider that is not Anthropic', async () => {
    const answer = await post('/v1/messages', { model: 'mock/echo', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }], tools: [{ type: hostileName, name: 'x' }] });
    expectShortRefusal(answer);
    expect(JSON.parse(answer.text)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('responses: a content part type in an assistant message of the input', async () => {
    const answer = await post('/v1/responses', { model: 'mock/echo', input: [{ role: 'assistant', content: [{ type: hostileName, text: 'x' }] }] });
    expectShortRefusal(answer);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'invalid_request', param: 'input[0].content[0].type' } });
  });
});
