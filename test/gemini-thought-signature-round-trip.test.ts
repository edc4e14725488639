import { readFixture } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureReplay } from './support/start-fixture-replay.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A Gemini thinking model's tool call carries a `thoughtSignature` that must come back on
 * the call in the next request (Gemini 3 refuses the turn without it). The gateway gives
 * such a call an id that holds the signature (inventToolCallId), so the id is as long as
 * the signature, a few KB, and every ingress must take it back in the history: the bound
 * on a history's tool call ids (docs/limits.md) leaves room for it.
 */

let gateway: TestGateway;
let replay: Awaited<ReturnType<typeof startFixtureReplay>>;

beforeAll(async () => {
  replay = await startFixtureReplay();
  gateway = await startTestGateway({
    providers: {
      gemini: { api_key: 'gemini-test-key-0123456789', base_url: replay.url },
      anthropic: { api_key: 'sk-ant-test-0123456789', base_url: replay.url },
      bedrock: { region: 'us-east-1', access_key_id: 'AKIATESTTESTTESTTEST', secret_access_key: 'x'.repeat(40), base_url: replay.url },
    },
  });
});
afterAll(async () => {
  await gateway?.close();
  await replay?.close();
});

/** A signature of the length real ones run to (opaque bytes, base64). */
const signature = Buffer.from(Array.from({ length: 3000 }, (_, at) => (at * 37) % 256)).toString('base64');

async function post(route: string, body: unknown) {
  const response = await fetch(gateway.origin + route, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** The first turn: Gemini calls get_weather with the long signature; the client reads the call's id. */
async function firstTurnCallId(): Promise<string> {
  const answer = JSON.parse(readFixture('gemini', 'response-tool-call.json')) as Record<string, any>;
  answer['candidates'][0]['content']['parts'][0]['thoughtSignature'] = signature;
  replay.play({ body: JSON.stringify(answer), contentType: 'application/json' });
  const first = await post('/v1/chat/completions', { model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'Weather in Paris?' }] });
  expect(first.status).toBe(200);
  const id = first.body['choices'][0]['message']['tool_calls'][0]['id'] as string;
  expect(id.length).toBeGreaterThan(signature.length);
  return id;
}

describe('a Gemini tool call id holding a long thought signature comes back through every ingress', () => {
  const second = (id: string): Array<[string, string, unknown]> => [
    [
      'chat',
      '/v1/chat/completions',
      {
        model: 'gemini/gemini-2.5-flash',
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          { role: 'tool', tool_call_id: id, content: '18°C' },
        ],
      },
    ],
    [
      'messages',
      '/v1/messages',
      {
        model: 'gemini/gemini-2.5-flash',
        max_tokens: 100,
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: [{ type: 'tool_use', id, name: 'get_weather', input: { city: 'Paris' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: '18°C' }] },
        ],
      },
    ],
    [
      'responses',
      '/v1/responses',
      {
        model: 'gemini/gemini-2.5-flash',
        store: false,
        input: [
          { role: 'user', content: 'Weather in Paris?' },
          { type: 'function_call', call_id: id, name: 'get_weather', arguments: '{"city":"Paris"}' },
          { type: 'function_call_output', call_id: id, output: '18°C' },
        ],
      },
    ],
  ];

  it.each(['chat', 'messages', 'responses'])('%s: the second turn is answered, and Gemini gets the signature back on the call', async (dialect) => {
    const id = await firstTurnCallId();
    const [, route, body] = second(id).find(([name]) => name === dialect)!;
    replay.play({ body: readFixture('gemini', 'response.json'), contentType: 'application/json' });
    const answer = await post(route, body);
    expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(200);
    const sent = JSON.parse(replay.received.at(-1)!.body) as { contents: Array<{ role: string; parts: Array<Record<string, unknown>> }> };
    const call = sent.contents.flatMap((content) => content.parts).find((part) => part['functionCall'] !== undefined)!;
    expect(call['thoughtSignature']).toBe(signature);
  });
});

describe('an id that long is not echoed where a translation refuses its call', () => {
  const id = `call_${'q'.repeat(60_000)}`;
  it.each([
    ['gemini: a result for a call no earlier message made', 'gemini/gemini-2.5-flash', [{ role: 'user', content: 'hi' }, { role: 'tool', tool_call_id: id, content: 'x' }], 'messages[1].tool_call_id'],
    ...['anthropic/claude-sonnet-4-5', 'bedrock/anthropic.claude-3-haiku'].map((model) => [
      `${model.split('/')[0]}: arguments that are not a JSON object`,
      model,
      [{ role: 'user', content: 'hi' }, { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'f', arguments: 'not json' } }] }, { role: 'tool', tool_call_id: id, content: 'x' }],
      'messages[1].tool_calls[0].function.arguments',
    ]),
  ] as Array<[string, string, unknown[], string]>)('%s → 400 naming the field, not the id', async (_name, model, messages, param) => {
    const before = replay.received.length;
    const answer = await post('/v1/chat/completions', { model, messages });
    expect(answer.status).toBe(400);
    expect(answer.body['error']).toMatchObject({ code: 'invalid_request', param });
    expect(JSON.stringify(answer.body)).not.toContain('qqqq');
    expect(replay.received.length).toBe(before);
  });
});
