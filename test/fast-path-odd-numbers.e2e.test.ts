import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureReplay } from './support/start-fixture-replay.js';
import { openAIAndGroqOnce, startGatewayPair, type GatewayPair, type PathName } from './support/start-gateway-pair.js';
import { masterKey } from './support/start-test-gateway.js';

/**
 * An OpenAI-compatible upstream whose stream numbers things as OpenAI never does: a
 * `created` of 1e300 or -1, a lone choice numbered 3, tool calls numbered -1, 5 and 9,
 * or 999999999. The official openai SDK's stream helpers (`chat.completions.stream`,
 * `finalChatCompletion()`) accumulate these numbers: a choice or tool call list with a
 * gap in it made them throw ("Cannot read properties of undefined"), and a created of
 * 1e300 became the final completion's. Through the gateway, on the fast path (events
 * forwarded as they came) and the translated one alike, the client reads OpenAI's
 * numbering: created in whole seconds, choices and calls numbered 0, 1 … as they appear.
 */

let replay: Awaited<ReturnType<typeof startFixtureReplay>>;
let pair: GatewayPair;

beforeAll(async () => {
  replay = await startFixtureReplay();
  pair = await startGatewayPair(openAIAndGroqOnce(replay.url, 'sk-test-odd-numbers-0123456789'));
});

afterAll(async () => {
  await pair?.close();
  await replay?.close();
});

const sse = (chunks: string[]) => [...chunks, '[DONE]'].map((data) => `data: ${data}\n\n`).join('');
const head = (created = '1700000000') => `"id":"chatcmpl-1","object":"chat.completion.chunk","created":${created},"model":"gpt-4o-mini"`;
const text = (created: string, index = '0') =>
  sse([
    `{${head(created)},"choices":[{"index":${index},"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}`,
    `{${head(created)},"choices":[{"index":${index},"delta":{"content":" there"},"finish_reason":null}]}`,
    `{${head(created)},"choices":[{"index":${index},"delta":{},"finish_reason":"stop"}]}`,
  ]);
/** Calls numbered as given, each started, then given its arguments in a piece of its own (as OpenAI streams them). */
const calls = (indices: string[]) =>
  sse([
    ...indices.flatMap((index, at) => [
      `{${head()},"choices":[{"index":0,"delta":{${at === 0 ? '"role":"assistant",' : ''}"tool_calls":[{"index":${index},"id":"call_${at}","type":"function","function":{"name":"f${at}","arguments":""}}]},"finish_reason":null}]}`,
      `{${head()},"choices":[{"index":0,"delta":{"tool_calls":[{"index":${index},"function":{"arguments":"{\\"n\\":${at}}"}}]},"finish_reason":null}]}`,
    ]),
    `{${head()},"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`,
  ]);

async function finalThrough(path: PathName, body: string) {
  replay.play({ body, contentType: 'text/event-stream' });
  const client = new OpenAI({ apiKey: masterKey, baseURL: pair[path].baseURL, maxRetries: 0 });
  const { read } = await pair.exchange(path, () =>
    client.chat.completions.stream({ model: 'openai-once', messages: [{ role: 'user', content: 'Hi' }] }).finalChatCompletion(),
  );
  return read;
}
const isUnixSeconds = (value: unknown) => Number.isSafeInteger(value) && (value as number) > 1_600_000_000 && (value as number) < 4_000_000_000;

describe.each(['fast', 'translated'] as const)('the openai SDK stream helpers through the %s path', (path) => {
  it.each(['1e300', '-1', '0', '2.5'])('an upstream created of %s: the final completion is created in whole seconds', async (created) => {
    const final = await finalThrough(path, text(created));
    expect(final.choices[0]!.message.content).toBe('Hi there');
    expect(isUnixSeconds(final.created)).toBe(true);
  });

  it.each(['3', '-1', '1.5'])('a lone choice numbered %s: the final completion has its one choice, numbered 0', async (index) => {
    const final = await finalThrough(path, text('1700000000', index));
    expect(final.choices).toHaveLength(1);
    expect(final.choices[0]).toMatchObject({ index: 0, finish_reason: 'stop', message: { content: 'Hi there' } });
  });

  it.each([[['-1']], [['5', '9']], [['999999999']], [['1', '0']], [['9007199254740991']]])('tool calls numbered %j: every call in the final completion, in order', async (indices) => {
    const final = await finalThrough(path, calls(indices));
    const choice = final.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.tool_calls!.map((call) => call.type === 'function' && [call.id, call.function.name, call.function.arguments])).toEqual(
      indices.map((_, at) => [`call_${at}`, `f${at}`, `{"n":${at}}`]),
    );
  });

  it('tool calls numbered 0 and 1 as OpenAI numbers them go out as they came', async () => {
    const final = await finalThrough(path, calls(['0', '1']));
    expect(final.choices[0]!.message.tool_calls!.map((call) => call.id)).toEqual(['call_0', 'call_1']);
  });
});
