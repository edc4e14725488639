import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A 400 names the field at fault, and some name a value (`the item type '…'`): both
 * come from the client's body, where a key or a type may hold control characters (a
 * line break, ESC and a terminal sequence) or bidirectional controls. They came back
 * raw in `error.message` and `error.param`, which SDKs print and apps log: an app
 * passing its own users' keys (`metadata`, `logit_bias`) on had its log lines split
 * and its terminal rewritten. They are written as `\uXXXX` escapes now, the rest of the
 * name as it was.
 */
let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({ providers: { mock: { models: ['echo'] } } });
});
afterAll(() => gateway.close());

const hostile = 'a\r\nx-injected: 1\u001b[2J\u202eevil\u0085';
const unseen = /[\u0000-\u001f\u007f-\u009f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/;

async function post(route: string, body: unknown) {
  const response = await fetch(gateway.origin + route, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { error: { message: string; param: string | null } } };
}

const chat = { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] };

describe('a client’s key or value named back in a 400', () => {
  it.each([
    ['a logit_bias key', '/v1/chat/completions', { ...chat, logit_bias: { [hostile]: 1 } }],
    ['a metadata key', '/v1/chat/completions', { ...chat, metadata: { [hostile]: 5 } }],
    ['a provider_options key', '/v1/chat/completions', { ...chat, provider_options: { [hostile]: 1 } }],
    ['a Responses item type', '/v1/responses', { model: 'mock/echo', input: [{ type: hostile }] }],
    ['a Responses tool type', '/v1/responses', { model: 'mock/echo', input: 'hi', tools: [{ type: hostile }] }],
    ['a Messages server tool type', '/v1/messages', { model: 'mock/echo', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }], tools: [{ type: hostile, name: 'x' }] }],
  ])('%s: 400 whose message and param hold no control or bidi character, each written as an escape', async (_, route, body) => {
    const answer = await post(route, body);
    expect(answer.status).toBe(400);
    const { message, param } = answer.body.error;
    expect(message).not.toMatch(unseen);
    expect(param ?? '').not.toMatch(unseen);
    expect(message).toContain('a\\u000d\\u000ax-injected: 1\\u001b[2J\\u202eevil\\u0085');
  });

  it('an unknown key holding 1e309 in a message, as the number check names it', async () => {
    const text = `{"model":"mock/echo","messages":[{"role":"user","content":"hi",${JSON.stringify(hostile)}:1e309}]}`;
    const response = await fetch(`${gateway.origin}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' }, body: text });
    const { error } = (await response.json()) as { error: { message: string; param: string } };
    expect(response.status).toBe(400);
    expect(error.message).not.toMatch(unseen);
    expect(error.param).toBe('messages[0].a\\u000d\\u000ax-injected: 1\\u001b[2J\\u202eevil\\u0085');
  });

  it('names of plain letters, and Persian text with its zero-width non-joiner, are named back as they were', async () => {
    const answer = await post('/v1/chat/completions', { ...chat, metadata: { 'می\u200cخواهم': 5 } });
    expect(answer.body.error.param).toBe('metadata.می\u200cخواهم');
  });
});
