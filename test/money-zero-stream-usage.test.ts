import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestRecord } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// A count of 0 for a prompt the upstream read, or for an answer it wrote, is unknown, not
// free: a whole answer whose usage says 0 is billed the gateway's estimate (withBillableUsage),
// marked estimated. A stream's final usage was taken as it came: an OpenAI-compatible
// server that ends its streams with `usage: { prompt_tokens: 0, completion_tokens: 0 }`
// had every streamed answer billed $0 (the same answer not streamed cost its estimate).
// A stream's final usage with a 0 is now completed by the estimate the same way.

let upstream: MockOpenAI;
let gateways: TestGateway[] = [];
const records: RequestRecord[] = [];

beforeAll(async () => {
  upstream = await startMockOpenAI();
});
afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  gateways = [];
  await upstream.close();
});

const answerText = 'four words of answer, and some more words to make it longer than a few tokens';

function streamedAnswer(usage: string): string {
  const chunk = (delta: string, finish: string | null) =>
    `data: {"id":"chatcmpl-z","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":${delta},"finish_reason":${finish}}]}\n\n`;
  return (
    chunk(`{"role":"assistant","content":${JSON.stringify(answerText)}}`, 'null') +
    chunk('{}', '"stop"') +
    `data: {"id":"chatcmpl-z","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":${usage}}\n\n` +
    'data: [DONE]\n\n'
  );
}

function wholeAnswer(usage: string): string {
  return `{"id":"chatcmpl-z","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":${JSON.stringify(answerText)}},"finish_reason":"stop"}],"usage":${usage}}`;
}

describe.each([true, false])('an answer whose usage counts 0 (server.fast_path %s)', (fastPath) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-zero-usage-')), fast_path: fastPath },
      providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } },
      prices: { 'openai/gpt-4o-mini': { input: 1, output: 2 } },
      storage: { use: 'sqlite' },
      usage: { flush_interval_ms: 20 },
    });
    gateways.push(gateway);
    gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
  });

  async function billed(stream: boolean, usage: string): Promise<RequestRecord> {
    upstream.enqueue(
      stream
        ? { body: streamedAnswer(usage), headers: { 'content-type': 'text/event-stream' } }
        : { body: wholeAnswer(usage), headers: { 'content-type': 'application/json' } },
    );
    const before = records.length;
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'tell me something' }], max_tokens: 50, stream }),
    });
    await response.text();
    expect(response.status).toBe(200);
    await expect.poll(() => records.length).toBe(before + 1);
    return records.at(-1)!;
  }

  it.each([
    ['both counts 0', '{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}'],
    ['the prompt 0', '{"prompt_tokens":0,"completion_tokens":19,"total_tokens":19}'],
    ['the output 0', '{"prompt_tokens":12,"completion_tokens":0,"total_tokens":12}'],
  ])('%s: streamed, billed as the same answer whole is: the estimate for what is 0, marked estimated, never $0', async (_name, usage) => {
    const whole = await billed(false, usage);
    const streamed = await billed(true, usage);
    expect(whole.usage!.inputTokens).toBeGreaterThan(0);
    expect(whole.usage!.outputTokens).toBeGreaterThan(0);
    expect(whole.usageEstimated).toBe(true);
    expect(streamed.usage).toMatchObject({ inputTokens: whole.usage!.inputTokens, outputTokens: whole.usage!.outputTokens });
    expect(streamed.usageEstimated).toBe(true);
    expect(streamed.costUsd).toBe(whole.costUsd);
  });
});
