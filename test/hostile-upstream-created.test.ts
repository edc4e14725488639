import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureReplay, type ReplayScript } from './support/start-fixture-replay.js';
import { openAIAndGroqOnce, startGatewayPair, type GatewayPair } from './support/start-gateway-pair.js';
import { masterKey, type TestGateway } from './support/start-test-gateway.js';

/**
 * An OpenAI-shaped upstream (OpenAI, a preset) whose `created` is not a time in whole
 * seconds: 1e309 (Infinity once read), -5, 2.5, 1e300. The translated answer's `created`
 * is the time of arrival then, a whole number: Infinity was written into the stream as
 * the bare word `Infinity` (JSON no client reads, the whole stream lost) and into a whole
 * answer as `null`; 1e300 as `1e+300`, which no SDK typing it an integer reads.
 */

let replay: Awaited<ReturnType<typeof startFixtureReplay>>;
let pair: GatewayPair;

beforeAll(async () => {
  replay = await startFixtureReplay();
  pair = await startGatewayPair(openAIAndGroqOnce(replay.url, 'sk-test-created-0123456789'));
});

afterAll(async () => {
  await pair?.close();
  await replay?.close();
});

const head = (created: string) => `"id":"chatcmpl-1","created":${created},"model":"gpt-4o-mini"`;
const whole = (created: string) =>
  `{${head(created)},"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}`;
const stream = (created: string) =>
  [
    `{${head(created)},"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}`,
    `{${head(created)},"object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}`,
    '[DONE]',
  ]
    .map((data) => `data: ${data}\n\n`)
    .join('');

const post = (gateway: TestGateway, body: Record<string, unknown>) =>
  fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai-once', messages: [{ role: 'user', content: 'Hi' }], ...body }),
  });
const isUnixSeconds = (value: unknown) => Number.isSafeInteger(value) && (value as number) > 1_700_000_000;

describe.each(['1e309', '-5', '2.5', '1e300'])('an upstream created of %s (translated path)', (created) => {
  it('is a whole answer whose created is the time of arrival', async () => {
    replay.play({ body: whole(created), contentType: 'application/json' } satisfies ReplayScript);
    const { read } = await pair.exchange('translated', async (gateway) => {
      const response = await post(gateway, {});
      return { status: response.status, body: (await response.json()) as { created: unknown; choices: Array<{ message: { content: string } }> } };
    });
    expect(read.status).toBe(200);
    expect(read.body.choices[0]!.message.content).toBe('Hi');
    expect(isUnixSeconds(read.body.created)).toBe(true);
  });

  it('is a stream every chunk of which is JSON, with created the time of arrival', async () => {
    replay.play({ body: stream(created), contentType: 'text/event-stream' } satisfies ReplayScript);
    const { read } = await pair.exchange('translated', async (gateway) => {
      const response = await post(gateway, { stream: true });
      return { status: response.status, text: await response.text() };
    });
    expect(read.status).toBe(200);
    const events = read.text.split('\n\n').filter((block) => block.startsWith('data: ')).map((block) => block.slice('data: '.length));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as { created: unknown });
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) expect(isUnixSeconds(chunk.created)).toBe(true);
  });
});
