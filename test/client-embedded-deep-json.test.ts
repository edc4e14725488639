import { readFixture } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureReplay } from './support/start-fixture-replay.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * JSON text a client puts inside a string: an assistant turn's tool-call arguments, a
 * tool result. The ingress bounds the body's own nesting (limits.max_json_depth), not
 * what its strings hold; the providers that need the arguments as an object (Anthropic,
 * Bedrock, Gemini) parse them to write the upstream request, and arguments 20,000
 * levels deep overflowed the stack there: a 500 `internal_error`. They are read with
 * the bound of an upstream's JSON (512 levels), and past it they are what unreadable
 * arguments already were: a 400 naming the field.
 */

const deepArguments = '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000);

let replay: Awaited<ReturnType<typeof startFixtureReplay>>;
let gateway: TestGateway;

beforeAll(async () => {
  replay = await startFixtureReplay();
  gateway = await startTestGateway({
    providers: {
      anthropic: { api_key: 'sk-ant-test-0123456789', base_url: replay.url },
      gemini: { api_key: 'AIzaSyTest0123456789abcdef', base_url: replay.url },
      bedrock: { region: 'us-east-1', endpoint: replay.url, access_key_id: 'AKIDEXAMPLE0123456789', secret_access_key: 'bedrock-test-secret-0123456789' },
    },
    chain: ['auth', 'key-scope', 'route', 'adapter'],
  });
});

afterAll(async () => {
  await gateway?.close();
  await replay?.close();
});

function chat(model: string, messages: unknown[]) {
  return fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages }),
  });
}

const withDeepArguments = [
  { role: 'user', content: 'What is the weather?' },
  { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: deepArguments } }] },
  { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
];

describe('tool-call arguments a client sends 20,000 levels deep, inside a string', () => {
  it.each(['anthropic/claude-sonnet-4-5', 'bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0', 'gemini/gemini-2.5-flash'])('%s: 400 naming the arguments, never a 500', async (model) => {
    const received = replay.received.length;
    const response = await chat(model, withDeepArguments);
    const body = (await response.json()) as { error: { code: string; param: string | null } };
    expect(response.status).toBe(400);
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.param).toBe('messages[1].tool_calls[0].function.arguments');
    // Refused before anything went upstream.
    expect(replay.received.length).toBe(received);
  });

  it('a tool result that is deep JSON text reaches Gemini as text, as any result that is not an object does', async () => {
    replay.play({ body: readFixture('gemini', 'response.json'), contentType: 'application/json' });
    const response = await chat('gemini/gemini-2.5-flash', [
      { role: 'user', content: 'What is the weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: deepArguments },
    ]);
    expect(response.status).toBe(200);
    const sent = JSON.parse(replay.received.at(-1)!.body) as { contents: Array<{ parts: Array<{ functionResponse?: { response: unknown } }> }> };
    const functionResponse = sent.contents.flatMap((turn) => turn.parts).find((part) => part.functionResponse)?.functionResponse;
    expect(functionResponse?.response).toEqual({ content: deepArguments });
  });
});
