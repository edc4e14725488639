import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestRecord } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * xAI counts a reasoning model's hidden reasoning apart from `completion_tokens`
 * (`total_tokens` = prompt + completion + reasoning) and bills it at the output price.
 * OpenAI and DeepSeek count it inside `completion_tokens`.
 */
const usage = { prompt_tokens: 26, completion_tokens: 10, total_tokens: 1_236, completion_tokens_details: { reasoning_tokens: 1_200 } };

const upstream = createServer((req, res) => {
  let text = '';
  req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  req.on('end', () => {
    const body = JSON.parse(text) as { stream?: boolean };
    const base = { id: 'chatcmpl-x', created: 1, model: 'grok-3-mini' };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Paris.' }, finish_reason: 'stop' }], usage }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = (fields: Record<string, unknown>) => res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', ...fields })}\n\n`);
    chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'Paris.' }, finish_reason: null }] });
    chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    chunk({ choices: [], usage });
    res.end('data: [DONE]\n\n');
  });
});

let gateway: TestGateway;
const records: RequestRecord[] = [];

beforeAll(async () => {
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  gateway = await startTestGateway({
    providers: { xai: { use: 'openai', preset: 'xai', api_key: 'xai-test-abcdefgh', base_url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1` } },
    prices: { 'xai/grok-3-mini': { input: 0.3, output: 0.5 } },
  });
  gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
});
afterAll(async () => {
  await gateway.close();
  upstream.close();
});

describe('an xAI reasoning answer, whose reasoning tokens are counted apart from completion_tokens', () => {
  it.each([
    { endpoint: 'chat/completions', stream: false },
    { endpoint: 'chat/completions', stream: true },
    { endpoint: 'messages', stream: false },
    { endpoint: 'messages', stream: true },
  ])('$endpoint (stream $stream): billed its reasoning at the output price, as xAI bills it', async ({ endpoint, stream }) => {
    const before = records.length;
    const response = await fetch(`${gateway.baseURL}/${endpoint}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'xai/grok-3-mini', stream, max_tokens: 2_000, messages: [{ role: 'user', content: 'Capital of France?' }] }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    // The client reads the billed counts in OpenAI's sense: the reasoning inside completion_tokens.
    if (endpoint === 'chat/completions' && !stream) expect(JSON.parse(text)).toMatchObject({ usage: { prompt_tokens: 26, completion_tokens: 1_210, total_tokens: 1_236 } });
    await expect.poll(() => records.length).toBe(before + 1);
    const record = records.at(-1)!;
    expect(record.usage).toMatchObject({ inputTokens: 26, outputTokens: 1_210, reasoningTokens: 1_200 });
    expect(record.costUsd).toBeCloseTo((26 * 0.3 + 1_210 * 0.5) / 1_000_000, 12);
  });

  it('a usage whose total says the reasoning is inside completion_tokens (OpenAI, DeepSeek) is billed as it came', async () => {
    usage.completion_tokens = 1_210;
    usage.total_tokens = 1_236;
    try {
      const before = records.length;
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'xai/grok-3-mini', max_tokens: 2_000, messages: [{ role: 'user', content: 'Capital of France?' }] }),
      });
      const body = (await response.json()) as { usage: { completion_tokens: number } };
      expect(body.usage.completion_tokens).toBe(1_210);
      await expect.poll(() => records.length).toBe(before + 1);
      expect(records.at(-1)!.usage).toMatchObject({ inputTokens: 26, outputTokens: 1_210, reasoningTokens: 1_200 });
    } finally {
      usage.completion_tokens = 10;
    }
  });
});
